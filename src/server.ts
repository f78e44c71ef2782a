import type { Config } from "./config";
import { openDatabase } from "./db/open";
import { migrate } from "./db/migrate";
import type { Db } from "./db/types";
import { createEngine, type Engine } from "./engine/context";
import { buildApp, type RouteFeature } from "./http/app";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./http/auth";
import type { Loop } from "./loops/runner";
import { startLoopsWithLeadership } from "./loops/leadership";
import { leaseReaper } from "./loops/lease-reaper";
import { scheduledActivator } from "./loops/scheduled-activator";
import { workerLiveness } from "./loops/worker-liveness";
import { retentionLoop } from "./loops/retention";
import { FEATURES } from "./features";
import { websocketHandler } from "./http/websocket";
import { drainNode, type DrainOutcome } from "./lifecycle";

/**
 * A feature plugs into the server in one place: routes on the HTTP app, engine hooks, background loops,
 * and anything it must start and stop with the process (the gRPC listener, the event bus).
 */
export interface Feature {
  name: string;
  routes?: RouteFeature;
  /** HTTP middleware run before every route (CORS, security headers, request metrics), in feature order. */
  middleware?: (engine: Engine) => MiddlewareHandler<AppEnv>[];
  loops?: (engine: Engine) => Loop[];
  /** Called once the engine exists and before listeners open; returns a stop function. */
  start?: (engine: Engine) => Promise<(() => Promise<void>) | void>;
}

export interface RunningServer {
  engine: Engine;
  db: Db;
  url: string;
  port: number;
  /** Stops taking work and waits up to graceMs for work in flight (docs/operations.md); stop() afterwards. */
  drain: (graceMs: number) => Promise<DrainOutcome>;
  stop: () => Promise<void>;
}

export async function startServer(config: Config, opts: { db?: Db; features?: Feature[] } = {}): Promise<RunningServer> {
  const db = opts.db ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, statementTimeoutMs: config.statementTimeoutMs, pgliteSharedBuffersMb: config.pgliteSharedBuffersMb }));
  await migrate(db);
  const engine = createEngine(db, config);
  const features = opts.features ?? FEATURES;

  await engine.signals.start();
  const stops: (() => Promise<void>)[] = [() => engine.signals.stop()];
  for (const f of features) {
    const stop = await f.start?.(engine);
    if (stop) stops.push(stop);
  }

  const app = buildApp(
    engine,
    features.flatMap((f) => (f.routes ? [f.routes] : [])),
    features.flatMap((f) => f.middleware?.(engine) ?? []),
  );
  const server = Bun.serve({
    hostname: config.host,
    port: config.port,
    fetch: app.fetch,
    // Long-lived SSE/WebSocket streams must not be cut by Bun's 10 s idle default; they send keep-alives.
    idleTimeout: 0,
    websocket: websocketHandler,
  });

  const loops = config.runLoops
    ? [leaseReaper(config.reaperIntervalMs), scheduledActivator(1000), workerLiveness(1000), retentionLoop(config.retention.intervalMs), ...features.flatMap((f) => f.loops?.(engine) ?? [])]
    : [];
  const stopLoopsOnce = startLoopsWithLeadership(engine, loops);
  let loopsStopped: Promise<void> | undefined;
  const stopLoops = () => (loopsStopped ??= stopLoopsOnce());

  const port = server.port!;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return {
    engine,
    db,
    port,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    drain: (graceMs) => drainNode({ engine, http: server, stopLoops }, graceMs),
    async stop() {
      await stopLoops();
      server.stop(true);
      for (const stop of stops.reverse()) await stop();
      if (!opts.db) await db.close();
    },
  };
}
