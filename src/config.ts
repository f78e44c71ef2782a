import { z } from "zod";
import { DEFAULT_JSON_MAX_DEPTH } from "./domain/json-limits";

/** Every setting in one schema. Names follow Spooled's environment where one exists; SPINDLE_* are ours. */
const bool = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) => ["true", "1", "yes"].includes(v));
/** A boolean setting read the way the configuration reads it, for what must be known before the configuration. */
export const isSettingOn = (value: string | undefined): boolean => bool.safeParse(value).data ?? false;
const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);

const schema = z.object({
  HOST: z.string().default("::"),
  PORT: int(8080, 0, 65535),
  GRPC_PORT: int(50051, 0, 65535),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: int(10, 1, 500),
  SPINDLE_DATA_DIR: z.string().default("./data"),
  /** shared_buffers of the embedded database; its memory only grows, so this bounds the process (docs/benchmarks.md). */
  SPINDLE_PGLITE_SHARED_BUFFERS_MB: int(16, 1, 4096),
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
  /**
   * Retention (docs/operations.md): finished jobs with their history and attempts are deleted after these many
   * days (completed/cancelled; failed/dead-lettered), a queue's settings.retention overriding; 0 keeps them forever.
   */
  SPINDLE_RETENTION_COMPLETED_DAYS: z.coerce.number().min(0).default(7),
  SPINDLE_RETENTION_DEADLETTER_DAYS: z.coerce.number().min(0).default(30),
  SPINDLE_RETENTION_INTERVAL_SECS: z.coerce.number().min(1).max(86_400).default(60),
  SPINDLE_RETENTION_BATCH: int(500, 1, 100_000),
  SPINDLE_RETENTION_MAX_PER_PASS: int(50_000, 1, 100_000_000),
  /** On SIGTERM/SIGINT, how long work in flight may take to finish before it is cut and handed back. */
  SPINDLE_SHUTDOWN_GRACE_SECS: z.coerce.number().min(0).max(3600).default(10),
  SPINDLE_QUIET: bool.default(false),
  /** One JSON object per log line (Spooled's name); human lines otherwise. */
  JSON_LOGS: bool.default(false),
  // ---- accounts and guard rails (docs/accounts.md) ----
  /** HS256 key for access/refresh tokens; required in production, generated once and stored in development. */
  JWT_SECRET: z.string().min(32, "JWT_SECRET must be at least 32 characters").optional(),
  JWT_EXPIRATION_HOURS: int(24, 1, 24 * 365),
  /** Bearer token required on /metrics when set. */
  METRICS_TOKEN: z.string().min(1).optional(),
  /** Optional second listener serving only /metrics. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Comma-separated origins allowed to call the API from a browser ("*" allows any, explicitly). */
  CORS_ALLOWED_ORIGINS: z.string().optional(),
  /** Base URL clients reach this server at (webhook URLs); defaults to the request's own origin. */
  SPINDLE_PUBLIC_URL: z.string().url().optional(),
  /**
   * Whether plan caps refuse work (on) or are only reported (off, the default: a self-hosted server has no
   * business telling its own users to upgrade; usage endpoints keep showing the plan's numbers either way).
   */
  SPINDLE_QUOTAS: z.enum(["on", "off"]).default("off"),
  /** Caps enforced besides active jobs and jobs per day: comma list of queues, workers, api_keys, schedules, workflows, webhooks, payload, or "all". */
  SPINDLE_ENFORCE_LIMITS: z.string().default(""),
  /** Per-organization token buckets at the plan's requests/second (off by default for self-hosting). */
  SPINDLE_ORG_RATE_LIMITS: bool.default(false),
  /** Per-client-IP limit on public routes (login, registration, slug and email checks), requests per minute. */
  SPINDLE_PUBLIC_RATE_LIMIT_PER_MINUTE: int(6000, 1, 1_000_000),
  /** Webhooks (docs/webhooks.md): outgoing retry base delay, request timeout, concurrency and per-host protection. */
  SPINDLE_WEBHOOK_RETRY_BASE_SECS: z.coerce.number().positive().default(1),
  SPINDLE_WEBHOOK_TIMEOUT_MS: int(10_000, 100, 300_000),
  SPINDLE_DELIVERY_CONCURRENCY: int(64, 1, 10_000),
  SPINDLE_DELIVERY_HOST_CONCURRENCY: int(8, 1, 1000),
  SPINDLE_BREAKER_FAILURES: int(5, 1, 1000),
  SPINDLE_BREAKER_COOLDOWN_MS: int(10_000, 10, 3_600_000),
  GITHUB_WEBHOOK_SECRET: z.string().min(1).optional(),
  // ---- hostile input and a stuck database (docs/api.md "Limits", docs/operations.md) ----
  /** How deeply any stored JSON value (payload, result, tags, metadata, settings, templates) may nest. */
  SPINDLE_JSON_MAX_DEPTH: int(DEFAULT_JSON_MAX_DEPTH, 1, 512),
  /**
   * A statement may run this long. PostgreSQL cancels it; embedded PGlite cannot interrupt a running statement, so
   * a database that has not answered for this long makes the process log why and exit non-zero (crash-only).
   */
  SPINDLE_STATEMENT_TIMEOUT_SECS: z.coerce.number().positive().default(30),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
});

const PLAN_OVERRIDE = /^SPOOLED_PLAN_/;

/** Parses a comma-separated origin allow-list; exact origins only (scheme://host[:port]), "*" kept as is. */
export function parseOriginList(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((s) => s.trim().replace(/\/+$/, ""))
    .filter(Boolean)
    .map((s) => (s === "*" ? s : new URL(s).origin));
}

/** Whether a browser Origin may call us under the configured allow-list (REST and the Connect routes share it). */
export function originAllowed(allowList: readonly string[], origin: string | undefined | null): boolean {
  if (!origin) return false;
  return allowList.includes("*") || allowList.includes(origin);
}

export type Config = ReturnType<typeof loadConfig>;

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = schema.safeParse(clean);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Invalid configuration: ${issue.path.join(".")}: ${issue.message}`);
  }
  const c = parsed.data;
  let corsOrigins: string[];
  try {
    corsOrigins = parseOriginList(c.CORS_ALLOWED_ORIGINS);
  } catch {
    throw new Error("Invalid configuration: CORS_ALLOWED_ORIGINS: must be a comma-separated list of origins such as https://app.example.com");
  }
  return {
    host: c.HOST,
    port: c.PORT,
    grpcPort: c.GRPC_PORT,
    databaseUrl: c.DATABASE_URL,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    dataDir: c.SPINDLE_DATA_DIR,
    pgliteSharedBuffersMb: c.SPINDLE_PGLITE_SHARED_BUFFERS_MB,
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
    retention: {
      completedDays: c.SPINDLE_RETENTION_COMPLETED_DAYS,
      deadletterDays: c.SPINDLE_RETENTION_DEADLETTER_DAYS,
      intervalMs: Math.round(c.SPINDLE_RETENTION_INTERVAL_SECS * 1000),
      batch: c.SPINDLE_RETENTION_BATCH,
      maxPerPass: c.SPINDLE_RETENTION_MAX_PER_PASS,
    },
    shutdownGraceMs: Math.round(c.SPINDLE_SHUTDOWN_GRACE_SECS * 1000),
    quiet: c.SPINDLE_QUIET,
    jsonLogs: c.JSON_LOGS,
    jwtSecret: c.JWT_SECRET,
    jwtExpirationHours: c.JWT_EXPIRATION_HOURS,
    metricsToken: c.METRICS_TOKEN,
    metricsPort: c.METRICS_PORT,
    corsOrigins,
    publicUrl: c.SPINDLE_PUBLIC_URL?.replace(/\/+$/, ""),
    enforceQuotas: c.SPINDLE_QUOTAS === "on",
    optInLimits: new Set(c.SPINDLE_ENFORCE_LIMITS.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean)),
    orgRateLimits: c.SPINDLE_ORG_RATE_LIMITS,
    publicRateLimitPerMinute: c.SPINDLE_PUBLIC_RATE_LIMIT_PER_MINUTE,
    /** SPOOLED_PLAN_* variables, read by the plan table (domain/plans.ts). */
    planOverrides: Object.fromEntries(Object.entries(clean).filter(([k]) => PLAN_OVERRIDE.test(k))) as Record<string, string>,
    jsonMaxDepth: c.SPINDLE_JSON_MAX_DEPTH,
    statementTimeoutMs: Math.round(c.SPINDLE_STATEMENT_TIMEOUT_SECS * 1000),
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
