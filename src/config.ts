import { z } from "zod";

/** Every setting in one schema. Names follow Spooled's environment where one exists; SPINDLE_* are ours. */
const bool = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) => ["true", "1", "yes"].includes(v));
const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);

const schema = z.object({
  HOST: z.string().default("::"),
  PORT: int(8080, 0, 65535),
  GRPC_PORT: int(50051, 0, 65535),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: int(10, 1, 500),
  SPINDLE_DATA_DIR: z.string().default("./data"),
  /** development | production; RUST_ENV is Spooled's name for the same thing. */
  SPINDLE_ENV: z.enum(["development", "production"]).optional(),
  RUST_ENV: z.enum(["development", "production"]).optional(),
  ADMIN_API_KEY: z.string().min(1).optional(),
  REGISTRATION_MODE: z.enum(["open", "closed", "invite"]).default("open"),
  QUEUE_DEFAULT_MAX_RETRIES: int(3, 0, 100),
  QUEUE_DEFAULT_TIMEOUT_SECS: int(300, 1, 86400),
  QUEUE_MAX_PAYLOAD_SIZE_BYTES: int(1_048_576, 1),
  WORKER_LEASE_DURATION_SECS: int(30, 5, 3600),
  WORKER_HEARTBEAT_INTERVAL_SECS: int(10, 1, 3600),
  /** Retry backoff: base * 2^attempt seconds, capped, with jitter (see docs/semantics.md). */
  SPINDLE_BACKOFF_BASE_SECS: z.coerce.number().positive().default(1),
  SPINDLE_BACKOFF_CAP_SECS: z.coerce.number().positive().default(60),
  /** How often the lease reaper looks for expired leases. */
  SPINDLE_REAPER_INTERVAL_MS: int(1000, 50, 600_000),
  /** A registered worker silent this long is degraded; silent for the second, offline with its jobs released. */
  SPINDLE_WORKER_DEGRADED_SECS: z.coerce.number().positive().default(15),
  SPINDLE_WORKER_OFFLINE_SECS: z.coerce.number().positive().default(30),
  /** How often the scheduler looks for due cron schedules (a fire is at most this late). */
  SPINDLE_SCHEDULER_INTERVAL_MS: int(1000, 50, 600_000),
  /** Real-time streams (docs/realtime.md): keep-alive comment after this much silence, longest stream, buffer bound. */
  SPINDLE_SSE_KEEPALIVE_MS: int(15_000, 50, 600_000),
  SPINDLE_STREAM_MAX_SECS: int(1800, 1, 86_400),
  SPINDLE_STREAM_BUFFER_BYTES: int(1_048_576, 1024, 1 << 30),
  /** The event tailer's safety-net read when no NOTIFY arrives. */
  SPINDLE_EVENTS_POLL_MS: int(2000, 50, 600_000),
  /** Domain events (queue, worker, schedule) are kept this long for Last-Event-ID resume; heartbeats at most an hour. */
  SPINDLE_EVENT_RETENTION_HOURS: z.coerce.number().positive().default(72),
  SPINDLE_WS_MAX_PER_ORG: int(100, 1, 1_000_000),
  SPINDLE_WS_PING_MS: int(30_000, 50, 600_000),
  /** How often a node tries to become, or checks that it still is, the one node running background loops. */
  SPINDLE_LEADER_CHECK_MS: int(1000, 50, 600_000),
  SPINDLE_LOOPS: bool.default(true),
  SPINDLE_QUIET: bool.default(false),
});

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(clean);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Invalid configuration: ${issue.path.join(".")}: ${issue.message}`);
  }
  const c = parsed.data;
  return {
    host: c.HOST,
    port: c.PORT,
    grpcPort: c.GRPC_PORT,
    databaseUrl: c.DATABASE_URL,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    dataDir: c.SPINDLE_DATA_DIR,
    mode: (c.SPINDLE_ENV ?? c.RUST_ENV ?? "development") as "development" | "production",
    adminApiKey: c.ADMIN_API_KEY,
    registrationMode: c.REGISTRATION_MODE,
    defaultMaxRetries: c.QUEUE_DEFAULT_MAX_RETRIES,
    defaultTimeoutSecs: c.QUEUE_DEFAULT_TIMEOUT_SECS,
    maxPayloadBytes: c.QUEUE_MAX_PAYLOAD_SIZE_BYTES,
    defaultLeaseSecs: c.WORKER_LEASE_DURATION_SECS,
    heartbeatIntervalSecs: c.WORKER_HEARTBEAT_INTERVAL_SECS,
    backoffBaseSecs: c.SPINDLE_BACKOFF_BASE_SECS,
    backoffCapSecs: c.SPINDLE_BACKOFF_CAP_SECS,
    reaperIntervalMs: c.SPINDLE_REAPER_INTERVAL_MS,
    workerDegradedSecs: c.SPINDLE_WORKER_DEGRADED_SECS,
    workerOfflineSecs: c.SPINDLE_WORKER_OFFLINE_SECS,
    schedulerIntervalMs: c.SPINDLE_SCHEDULER_INTERVAL_MS,
    sseKeepAliveMs: c.SPINDLE_SSE_KEEPALIVE_MS,
    streamMaxSecs: c.SPINDLE_STREAM_MAX_SECS,
    streamBufferBytes: c.SPINDLE_STREAM_BUFFER_BYTES,
    eventsPollMs: c.SPINDLE_EVENTS_POLL_MS,
    eventRetentionSecs: c.SPINDLE_EVENT_RETENTION_HOURS * 3600,
    wsMaxPerOrg: c.SPINDLE_WS_MAX_PER_ORG,
    wsPingMs: c.SPINDLE_WS_PING_MS,
    leaderCheckMs: c.SPINDLE_LEADER_CHECK_MS,
    runLoops: c.SPINDLE_LOOPS,
    quiet: c.SPINDLE_QUIET,
  };
}
