import { Hono } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { dashboard, throughput } from "../../engine/dashboard";
import { intQuery } from "../body";

export function dashboardRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => c.json(await dashboard(engine, c.get("principal"))));
  // Our extension (docs/dashboard.md): per-minute series for the web UI's throughput chart.
  app.get("/throughput", async (c) => c.json(await throughput(engine, c.get("principal"), intQuery(c, "minutes") ?? 60)));
  return app;
}
