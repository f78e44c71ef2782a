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
  SPINDLE_LOOPS: bool.default(true),
  SPINDLE_QUIET: bool.default(false),
  /** Webhooks (docs/webhooks.md): outgoing retry base delay, request timeout, concurrency and per-host protection. */
  SPINDLE_WEBHOOK_RETRY_BASE_SECS: z.coerce.number().positive().default(1),
  SPINDLE_WEBHOOK_TIMEOUT_MS: int(10_000, 100, 300_000),
  SPINDLE_DELIVERY_CONCURRENCY: int(64, 1, 10_000),
  SPINDLE_DELIVERY_HOST_CONCURRENCY: int(8, 1, 1000),
  SPINDLE_BREAKER_FAILURES: int(5, 1, 1000),
  SPINDLE_BREAKER_COOLDOWN_MS: int(10_000, 10, 3_600_000),
  GITHUB_WEBHOOK_SECRET: z.string().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
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
    runLoops: c.SPINDLE_LOOPS,
    quiet: c.SPINDLE_QUIET,
    webhooks: {
      retryBaseSecs: c.SPINDLE_WEBHOOK_RETRY_BASE_SECS,
      timeoutMs: c.SPINDLE_WEBHOOK_TIMEOUT_MS,
      concurrency: c.SPINDLE_DELIVERY_CONCURRENCY,
      hostConcurrency: c.SPINDLE_DELIVERY_HOST_CONCURRENCY,
      breakerFailures: c.SPINDLE_BREAKER_FAILURES,
      breakerCooldownMs: c.SPINDLE_BREAKER_COOLDOWN_MS,
      githubSecret: c.GITHUB_WEBHOOK_SECRET,
      stripeSecret: c.STRIPE_WEBHOOK_SECRET,
    },
  };
}
