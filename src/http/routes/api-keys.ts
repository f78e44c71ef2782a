import { Hono } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { readBody, pathId } from "../body";
import * as keys from "../../engine/api-keys";
import { createApiKeySchema, updateApiKeySchema } from "../../domain/account-schemas";
import { apiKeyView, createdApiKeyView } from "../../domain/org-views";

export function apiKeyRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => c.json((await keys.listKeys(engine, c.get("principal"))).map(apiKeyView)));
  app.post("/", async (c) => {
    const { row, key } = await keys.createKey(engine, c.get("principal"), await readBody(c, createApiKeySchema));
    return c.json(createdApiKeyView(row, key), 201);
  });
  app.get("/:id", async (c) => c.json(apiKeyView(await keys.getKey(engine, c.get("principal"), pathId(c)))));
  app.put("/:id", async (c) => {
    const patch = await readBody(c, updateApiKeySchema);
    return c.json(apiKeyView(await keys.updateKey(engine, c.get("principal"), pathId(c), patch)));
  });
  app.delete("/:id", async (c) => {
    await keys.revokeKey(engine, c.get("principal"), pathId(c));
    return c.body(null, 204);
  });
  return app;
}
