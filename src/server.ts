import type { Config } from "./config";
import { openDatabase } from "./db/open";
import { migrate } from "./db/migrate";
import type { Db } from "./db/types";
import { createEngine, type Engine, type EngineHooks } from "./engine/context";
import { buildApp } from "./http/app";
import type { Loop } from "./loops/runner";
import { startLoopsWithLeadership } from "./loops/leadership";
import { leaseReaper } from "./loops/lease-reaper";
import { scheduledActivator } from "./loops/scheduled-activator";
import { workerLiveness } from "./loops/worker-liveness";
import { retentionLoop } from "./loops/retention";
import { ServerMetrics } from "./metrics/server-metrics";
import { FEATURES } from "./features";
import type { CoreServices, Feature, FeatureParts, FeatureServices, Stop } from "./features/feature";
import { websocketHandler } from "./http/websocket";
import { drainNode, type DrainOutcome } from "./lifecycle";

export type { Feature } from "./features/feature";

/**
 * The running server: every service the composition root built, each once. Services of features that are off
 * are absent (no hub without realtime, no delivery runtime without webhooks, no gRPC listener without grpc).
 */
export interface RunningServer extends CoreServices, Partial<FeatureServices> {
  db: Db;
  url: string;
  port: number;
  /** The names of the features wired into this server, in start order. */
  features: string[];
  /** Background loops this node may run (leader-run unless marked everyNode); empty when loops are off. */
  loops: Loop[];
  /** Stops taking work and waits up to graceMs for work in flight (docs/operations.md); stop() afterwards. */
  drain: (graceMs: number) => Promise<DrainOutcome>;
  stop: () => Promise<void>;
}

/** Loops of the core, whatever the features: leases, scheduled jobs, worker liveness, retention. */
const coreLoops = (config: Config): Loop[] => [
  leaseReaper(config.reaperIntervalMs), scheduledActivator(1000), workerLiveness(1000), retentionLoop(config.retention.intervalMs),
];

/** Adds each feature's hooks to the engine's phases, in feature order. */
function installHooks(engine: Engine, hooks: FeatureParts["hooks"]): void {
  for (const phase of Object.keys(hooks ?? {}) as (keyof EngineHooks)[]) {
    (engine.hooks[phase] as unknown[]).push(...(hooks![phase] as unknown[]));
  }
}

/**
 * The composition root. Builds the engine and the core services, then each feature of the list with the services
 * built so far; wires their hooks, credential resolvers and delivery port into the engine, their routes,
 * middleware and guards into the HTTP app, their loops into the leader loop; starts them; opens the listener.
 */
export async function startServer(config: Config, opts: { db?: Db; features?: readonly Feature[] } = {}): Promise<RunningServer> {
  const db = opts.db ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize, statementTimeoutMs: config.statementTimeoutMs, pgliteSharedBuffersMb: config.pgliteSharedBuffersMb }));
  await migrate(db);
  const engine = createEngine(db, config);
  const metrics = new ServerMetrics(engine);
  const features = opts.features ?? FEATURES;

  const provided: Partial<FeatureServices> = {};
  const parts: FeatureParts[] = [];
  for (const feature of features) {
    const p = await feature.build({ engine, metrics, ...provided });
    Object.assign(provided, p.provides);
    installHooks(engine, p.hooks);
    engine.credentials.push(...(p.credentials ?? []));
    if (p.outbound) engine.outbound = p.outbound;
    parts.push(p);
  }

  await engine.signals.start();
  const stops: Stop[] = [() => engine.signals.stop()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    for (const p of parts) {
      const started = await p.start?.();
      if (started?.stop) stops.push(started.stop);
      Object.assign(provided, started?.provides);
    }
  } catch (err) {
    await stopAll();
    if (!opts.db) await db.close();
    throw err;
  }

  const app = buildApp(engine, {
    routes: parts.flatMap((p) => (p.routes ? [p.routes] : [])),
    middleware: parts.flatMap((p) => p.middleware ?? []),
    guards: parts.flatMap((p) => p.guards ?? []),
  });
  const server = Bun.serve({
    hostname: config.host,
    port: config.port,
    fetch: app.fetch,
    // Long-lived SSE/WebSocket streams must not be cut by Bun's 10 s idle default; they send keep-alives.
    idleTimeout: 0,
    websocket: websocketHandler,
  });

  const loops = config.runLoops ? [...coreLoops(config), ...parts.flatMap((p) => p.loops ?? [])] : [];
  const stopLoopsOnce = startLoopsWithLeadership(engine, loops);
  let loopsStopped: Promise<void> | undefined;
  const stopLoops = () => (loopsStopped ??= stopLoopsOnce());

  const port = server.port!;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return {
    ...provided,
    engine,
    metrics,
    db,
    port,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    features: features.map((f) => f.name),
    loops,
    drain: (graceMs) => drainNode({ engine, http: server, stopLoops, hub: provided.hub, streams: provided.rpcStreams, delivery: provided.delivery }, graceMs),
    async stop() {
      await stopLoops();
      server.stop(true);
      await stopAll();
      if (!opts.db) await db.close();
    },
  };
}
