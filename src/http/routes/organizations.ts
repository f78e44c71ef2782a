import { Hono, type Context } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { readBody, pathId } from "../body";
import * as orgs from "../../engine/orgs";
import { isAdminKey } from "../../engine/auth";
import { createOrgSchema } from "../../domain/org-schemas";
import { clearWebhookTokenSchema, generateSlugSchema, updateOrgSchema } from "../../domain/account-schemas";
import { forbidden, validationError } from "../../domain/errors";
import { createdOrganizationView, organizationSummaryView, organizationView } from "../../domain/org-views";

/** Public organization routes: registration (open, closed = admin key only, invite = refused) and slug helpers. */
export function publicOrganizationRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.post("/", async (c) => {
    const mode = engine.config.registrationMode;
    if (mode === "invite") throw forbidden("Registration is by invitation only");
    if (mode === "closed" && !isAdminKey(engine, c.req.header("x-admin-key"))) throw forbidden("Registration is closed");
    const input = await readBody(c, createOrgSchema);
    const { org, apiKey } = await orgs.createOrganization(engine, input);
    return c.json(createdOrganizationView(org, apiKey), 201);
  });
  app.get("/check-slug", async (c) => {
    const slug = c.req.query("slug");
    if (slug === undefined) throw validationError([{ field: "slug", message: "slug is required", code: "missing_field" }]);
    return c.json(await orgs.checkSlug(engine, slug));
  });
  app.post("/generate-slug", async (c) => c.json(await orgs.generateSlug(engine, (await readBody(c, generateSlugSchema)).name)));
  return app;
}

function webhookTokenBody(engine: Engine, c: Context, orgId: string, token: string | null) {
  const base = engine.config.publicUrl ?? new URL(c.req.url).origin;
  // `token` repeats `webhook_token` because the SDK's type reads that name.
  return { webhook_token: token, token, webhook_url: `${base}/api/v1/webhooks/${orgId}/custom` };
}

/** The caller's own organization (any other id answers 404). */
export function organizationRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => c.json([organizationSummaryView(await orgs.getOwnOrganization(engine, c.get("principal")))]));
  app.get("/usage", async (c) => c.json(await orgs.ownUsage(engine, c.get("principal"))));

  // The webhook token routes exist with and without the organization id in the path.
  for (const prefix of ["", "/:id"]) {
    const idOf = (c: Context<AppEnv>) => (c.req.param("id") === undefined ? c.get("principal").orgId : pathId(c));
    app.get(`${prefix}/webhook-token`, async (c) => {
      const token = await orgs.webhookToken(engine, c.get("principal"), idOf(c));
      return c.json(webhookTokenBody(engine, c, c.get("principal").orgId, token));
    });
    app.post(`${prefix}/webhook-token/regenerate`, async (c) => {
      const token = await orgs.rotateWebhookToken(engine, c.get("principal"), idOf(c));
      return c.json(webhookTokenBody(engine, c, c.get("principal").orgId, token));
    });
    app.post(`${prefix}/webhook-token/clear`, async (c) => {
      await readBody(c, clearWebhookTokenSchema);
      await orgs.clearWebhookToken(engine, c.get("principal"), idOf(c));
      return c.json(webhookTokenBody(engine, c, c.get("principal").orgId, null));
    });
  }

  app.get("/:id", async (c) => c.json(organizationView(await orgs.getOwnOrganization(engine, c.get("principal"), pathId(c)))));
  app.put("/:id", async (c) => {
    const input = await readBody(c, updateOrgSchema);
    return c.json(organizationView(await orgs.updateOwnOrganization(engine, c.get("principal"), pathId(c), input)));
  });
  app.delete("/:id", async (c) => {
    await orgs.deleteOwnOrganization(engine, c.get("principal"), pathId(c));
    return c.body(null, 204);
  });
  app.get("/:id/members", async (c) => c.json(await orgs.members(engine, c.get("principal"), pathId(c))));
  return app;
}
