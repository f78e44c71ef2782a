import { Hono } from "hono";
import type { Engine } from "../../engine/context";

async function databaseAnswers(engine: Engine): Promise<boolean> {
  try {
    await Promise.race([engine.db.query("SELECT 1"), Bun.sleep(2000).then(() => Promise.reject(new Error("timeout")))]);
    return true;
  } catch {
    return false;
  }
}

/** /health, /health/live, /health/ready (no /api/v1 prefix). There is no cache to be unhealthy, so cache=true. */
export function healthRoutes(engine: Engine) {
  const app = new Hono();
  app.get("/health", async (c) => {
    const db = await databaseAnswers(engine);
    return c.json({ status: db ? "healthy" : "degraded", database: db, cache: true });
  });
  app.get("/health/live", (c) => c.body(null, 200));
  app.get("/health/ready", async (c) => {
    const db = await databaseAnswers(engine);
    return c.json({ status: db ? "ready" : "not_ready", database: db }, db ? 200 : 503);
  });
  return app;
}
