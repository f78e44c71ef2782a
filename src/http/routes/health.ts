import { Hono } from "hono";
import type { Engine } from "../../engine/context";
import { checkHealth } from "../../engine/health";

/**
 * /health, /health/live, /health/ready (no /api/v1 prefix). Both probing routes answer within a second: 200
 * `healthy`, or 503 when the database does not answer (docs/compatibility.md). Ready has /health's body shape,
 * which every official SDK reads as ready, plus the failed dependencies when it is not.
 */
export function healthRoutes(engine: Engine) {
  const app = new Hono();
  app.get("/health", async (c) => {
    const h = await checkHealth(engine);
    return c.json({ status: h.database ? "healthy" : "degraded", database: h.database, cache: h.cache }, h.database ? 200 : 503);
  });
  app.get("/health/live", (c) => c.body(null, 200));
  app.get("/health/ready", async (c) => {
    const h = await checkHealth(engine);
    if (h.failed.length === 0) return c.json({ status: "healthy", database: h.database, cache: h.cache });
    return c.json({ status: "unhealthy", database: h.database, cache: h.cache, failed: h.failed }, 503);
  });
  return app;
}
