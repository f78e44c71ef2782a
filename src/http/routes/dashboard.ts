import { Hono } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { dashboard } from "../../engine/dashboard";

export function dashboardRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => c.json(await dashboard(engine, c.get("principal"))));
  return app;
}
