import { Hono } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { readBody } from "../body";
import { createOrganization } from "../../engine/orgs";
import { isAdminKey } from "../../engine/auth";
import { createOrgSchema } from "../../domain/org-schemas";
import { forbidden } from "../../domain/errors";
import { organizationView } from "../../domain/org-views";

/** Public organization registration (open, closed = admin key only, invite = refused). */
export function publicOrganizationRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.post("/", async (c) => {
    const mode = engine.config.registrationMode;
    if (mode === "invite") throw forbidden("Registration is by invitation only");
    if (mode === "closed" && !isAdminKey(engine, c.req.header("x-admin-key"))) throw forbidden("Registration is closed");
    const input = await readBody(c, createOrgSchema);
    const { org, apiKey } = await createOrganization(engine, input);
    return c.json({ organization: organizationView(org), api_key: { ...apiKey, created_at: new Date(apiKey.created_at).toISOString() } }, 201);
  });
  return app;
}
