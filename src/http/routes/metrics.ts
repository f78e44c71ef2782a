import { Hono, type MiddlewareHandler } from "hono";
import type { AppEnv } from "../auth";
import { safeEqual } from "../../domain/credentials";

/** What the HTTP layer needs of the node's metrics (src/metrics/server-metrics.ts, built by the composition root). */
export interface RequestMetrics {
  render(): Promise<string>;
  recordRequest(method: string, status: number, seconds: number): void;
}

/** GET /metrics in Prometheus text; with METRICS_TOKEN set, only for `Authorization: Bearer <token>`. */
export function metricsRoutes(metrics: RequestMetrics, token: string | undefined) {
  const app = new Hono<AppEnv>();
  app.get("/metrics", async (c) => {
    if (token) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
      if (!m || !safeEqual(m[1]!, token)) return c.json({ code: "UNAUTHORIZED", message: "A valid metrics token is required" }, 401);
    }
    return c.body(await metrics.render(), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
  });
  return app;
}

/** Counts and times every HTTP request (the latency histogram of the contract). */
export function requestMetrics(metrics: RequestMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      metrics.recordRequest(c.req.method, c.res.status, (performance.now() - started) / 1000);
    }
  };
}
