import { Hono } from "hono";
import type { Feature } from "./feature";
import { metricsRoutes, requestMetrics } from "../http/routes/metrics";

/** Prometheus metrics at /metrics on the API port and, with METRICS_PORT, on a listener of its own. */
export const metricsFeature: Feature = {
  name: "metrics",
  build: ({ engine, metrics }) => ({
    middleware: [requestMetrics(metrics)],
    routes: ({ root }) => {
      root.route("/", metricsRoutes(metrics, engine.config.metricsToken));
    },
    // After commit: a change refused or rolled back is never counted.
    hooks: { afterCommit: [(event, rows) => metrics.recordTransition(event, rows)] },
    async start() {
      if (engine.config.metricsPort === undefined) return;
      const app = new Hono();
      app.route("/", metricsRoutes(metrics, engine.config.metricsToken) as unknown as Hono);
      app.notFound((c) => c.text("Not found: metrics are served at /metrics\n", 404));
      const server = Bun.serve({ hostname: engine.config.host, port: engine.config.metricsPort, fetch: app.fetch });
      return { provides: { metricsPort: server.port! }, stop: async () => void server.stop(true) };
    },
  }),
};
