import type { Feature } from "../server";
import type { Engine } from "../engine/context";
import { Hono } from "hono";
import { metricsRoutes, requestMetrics } from "../http/routes/metrics";
import { metricsOf } from "./server-metrics";

const listenerPorts = new WeakMap<Engine, number>();
/** The port of the separate METRICS_PORT listener, when one was started (tests start it on port 0). */
export const metricsListenerPort = (e: Engine) => listenerPorts.get(e);

/** Prometheus metrics at /metrics on the API port and, with METRICS_PORT, on a listener of its own. */
export const metricsFeature: Feature = {
  name: "metrics",
  middleware: (engine) => [requestMetrics(engine)],
  routes: ({ root }, engine) => {
    root.route("/", metricsRoutes(engine));
  },
  async start(engine) {
    engine.hooks.afterTransition.push(async (_tx, event, rows) => metricsOf(engine).recordTransition(event, rows));
    if (engine.config.metricsPort === undefined) return;
    const app = new Hono();
    app.route("/", metricsRoutes(engine) as unknown as Hono);
    app.notFound((c) => c.text("Not found: metrics are served at /metrics\n", 404));
    const server = Bun.serve({ hostname: engine.config.host, port: engine.config.metricsPort, fetch: app.fetch });
    listenerPorts.set(engine, server.port!);
    return async () => {
      server.stop(true);
    };
  },
};
