import { Hono, type MiddlewareHandler } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { readBody, intQuery, pathId } from "../body";
import * as admin from "../../engine/admin";
import { isAdminKey } from "../../engine/auth";
import { adminCreateKeySchema, adminCreateOrgSchema, adminPatchOrgSchema } from "../../domain/account-schemas";
import { AppError } from "../../domain/errors";
import { createdApiKeyView, createdOrganizationView, organizationView } from "../../domain/org-views";

const adminRefused = (error: string, message: string) => new AppError("UNAUTHORIZED", message, undefined, { error });

/** X-Admin-Key, compared in constant time; without ADMIN_API_KEY configured every admin call is refused. */
function requireAdmin(engine: Engine): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!engine.config.adminApiKey) throw adminRefused("admin_not_configured", "The admin API is disabled (ADMIN_API_KEY is not set)");
    const presented = c.req.header("x-admin-key");
    if (presented === undefined) throw adminRefused("missing_admin_key", "Missing X-Admin-Key header");
    if (!isAdminKey(engine, presented.trim())) throw adminRefused("invalid_admin_key", "Invalid admin key");
    await next();
  };
}

export function adminRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.use("*", requireAdmin(engine));

  app.get("/organizations", async (c) =>
    c.json(
      await admin.listOrganizations(engine, {
        plan_tier: c.req.query("plan_tier"),
        search: c.req.query("search"),
        limit: intQuery(c, "limit"),
        offset: intQuery(c, "offset"),
        sort_by: c.req.query("sort_by"),
        sort_order: c.req.query("sort_order"),
      }),
    ),
  );
  app.post("/organizations", async (c) => {
    const { org, apiKey } = await admin.createOrganizationAsAdmin(engine, await readBody(c, adminCreateOrgSchema));
    return c.json(createdOrganizationView(org, apiKey), 201);
  });
  app.get("/organizations/:id", async (c) => {
    const { org, ...rest } = await admin.getOrganization(engine, pathId(c));
    const view = organizationView(org);
    return c.json({
      id: view.id, name: view.name, slug: view.slug, plan_tier: view.plan_tier, billing_email: view.billing_email, settings: view.settings,
      custom_limits: view.custom_limits, created_at: view.created_at, updated_at: view.updated_at, ...rest,
    });
  });
  app.patch("/organizations/:id", async (c) => {
    const body = await readBody(c, adminPatchOrgSchema);
    return c.json(organizationView(await admin.patchOrganization(engine, pathId(c), body)));
  });
  app.delete("/organizations/:id", async (c) => {
    await admin.deleteOrganization(engine, pathId(c), c.req.query("hard_delete") === "true");
    return c.body(null, 204);
  });
  app.post("/organizations/:id/api-keys", async (c) => {
    const { row, key } = await admin.createKey(engine, pathId(c), await readBody(c, adminCreateKeySchema));
    return c.json(createdApiKeyView(row, key), 201);
  });
  app.post("/organizations/:id/reset-usage", async (c) => {
    await admin.resetUsage(engine, pathId(c));
    return c.body(null, 204);
  });
  app.get("/stats", async (c) => c.json(await admin.stats(engine)));
  app.get("/plans", (c) => c.json(admin.plans(engine)));
  return app;
}
