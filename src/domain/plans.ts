/** Plans and their limits (contract semantics §13); pure code, no I/O. */

export const PLAN_TIERS = ["free", "starter", "pro", "enterprise"] as const;
export type PlanTier = (typeof PLAN_TIERS)[number];

/** Count caps: null = unlimited. */
export const COUNT_LIMITS = [
  "max_jobs_per_day", "max_active_jobs", "max_queues", "max_workers", "max_api_keys", "max_schedules", "max_workflows", "max_webhooks",
] as const;
export type CountLimit = (typeof COUNT_LIMITS)[number];
const NUMBER_LIMITS = ["max_payload_size_bytes", "rate_limit_requests_per_second", "rate_limit_burst", "job_retention_days", "history_retention_days"] as const;
type NumberLimit = (typeof NUMBER_LIMITS)[number];

export type PlanLimits = { tier: string; display_name: string } & Record<CountLimit, number | null> & Record<NumberLimit, number>;

const DISPLAY: Record<PlanTier, string> = { free: "Free", starter: "Starter", pro: "Pro", enterprise: "Enterprise" };

const BUILT_IN: Record<PlanTier, Omit<PlanLimits, "tier" | "display_name">> = {
  free: {
    max_jobs_per_day: 1000, max_active_jobs: 10, max_queues: 2, max_workers: 1, max_api_keys: 2, max_schedules: 1, max_workflows: 0, max_webhooks: 1,
    max_payload_size_bytes: 65_536, rate_limit_requests_per_second: 5, rate_limit_burst: 10, job_retention_days: 3, history_retention_days: 1,
  },
  starter: {
    max_jobs_per_day: 10_000, max_active_jobs: 500, max_queues: 10, max_workers: 5, max_api_keys: 5, max_schedules: 10, max_workflows: 5, max_webhooks: 5,
    max_payload_size_bytes: 262_144, rate_limit_requests_per_second: 25, rate_limit_burst: 50, job_retention_days: 14, history_retention_days: 7,
  },
  pro: {
    max_jobs_per_day: 100_000, max_active_jobs: 5000, max_queues: 50, max_workers: 25, max_api_keys: 25, max_schedules: 50, max_workflows: 25, max_webhooks: 20,
    max_payload_size_bytes: 1_048_576, rate_limit_requests_per_second: 100, rate_limit_burst: 200, job_retention_days: 30, history_retention_days: 30,
  },
  enterprise: {
    max_jobs_per_day: null, max_active_jobs: null, max_queues: null, max_workers: null, max_api_keys: null, max_schedules: null, max_workflows: null, max_webhooks: null,
    max_payload_size_bytes: 1_048_576, rate_limit_requests_per_second: 500, rate_limit_burst: 1000, job_retention_days: 90, history_retention_days: 90,
  },
};

export const isPlanTier = (s: unknown): s is PlanTier => typeof s === "string" && (PLAN_TIERS as readonly string[]).includes(s);
export const nextPlan = (tier: string): PlanTier | null => (tier === "free" ? "starter" : tier === "starter" ? "pro" : tier === "pro" ? "enterprise" : null);

const UNLIMITED_WORDS = new Set(["unlimited", "none", "null", "-1"]);

/** One override value: a count cap may be unlimited (null); other limits must be non-negative integers. */
function overrideValue(field: string, raw: unknown): number | null | undefined {
  const countCap = (COUNT_LIMITS as readonly string[]).includes(field);
  if (raw === null || (typeof raw === "string" && UNLIMITED_WORDS.has(raw.trim().toLowerCase())) || raw === -1) return countCap ? null : undefined;
  const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function applyOverrides(target: Record<string, unknown>, source: unknown): void {
  if (!source || typeof source !== "object" || Array.isArray(source)) return;
  for (const field of [...COUNT_LIMITS, ...NUMBER_LIMITS] as string[]) {
    if (!(field in source)) continue;
    const v = overrideValue(field, (source as Record<string, unknown>)[field]);
    if (v !== undefined) target[field] = v;
  }
}

function parseJson(raw: string | undefined, name: string): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error(`Invalid configuration: ${name} is not valid JSON`);
  }
}

/**
 * The deployment's plan table: built-ins < SPOOLED_PLAN_LIMITS_JSON < SPOOLED_PLAN_<TIER>_LIMITS_JSON <
 * SPOOLED_PLAN_<TIER>_<FIELD>. Organization custom_limits are applied on top by `effectiveLimits`.
 */
export function buildPlanTable(env: Record<string, string>): Record<PlanTier, PlanLimits> {
  const all = parseJson(env.SPOOLED_PLAN_LIMITS_JSON, "SPOOLED_PLAN_LIMITS_JSON") as Record<string, unknown> | undefined;
  const table = {} as Record<PlanTier, PlanLimits>;
  for (const tier of PLAN_TIERS) {
    const limits: Record<string, unknown> = { tier, display_name: DISPLAY[tier], ...BUILT_IN[tier] };
    applyOverrides(limits, all?.[tier]);
    const prefix = `SPOOLED_PLAN_${tier.toUpperCase()}_`;
    applyOverrides(limits, parseJson(env[`${prefix}LIMITS_JSON`], `${prefix}LIMITS_JSON`));
    const single: Record<string, string> = {};
    for (const field of [...COUNT_LIMITS, ...NUMBER_LIMITS]) {
      const v = env[prefix + field.toUpperCase()];
      if (v !== undefined) single[field] = v;
    }
    applyOverrides(limits, single);
    table[tier] = limits as PlanLimits;
  }
  return table;
}

/** Limits of one organization: its plan (unknown tiers, including "deleted", read as free) plus its custom_limits. */
export function effectiveLimits(table: Record<PlanTier, PlanLimits>, planTier: string, customLimits: unknown): PlanLimits {
  const base = table[isPlanTier(planTier) ? planTier : "free"];
  const limits: Record<string, unknown> = { ...base, tier: planTier, display_name: isPlanTier(planTier) ? DISPLAY[planTier] : base.display_name };
  applyOverrides(limits, customLimits);
  return limits as PlanLimits;
}

export interface UsageItem {
  current: number;
  limit: number | null;
  percentage: number | null;
  is_disabled: boolean;
}

export const USAGE_RESOURCES = {
  jobs_today: "max_jobs_per_day",
  active_jobs: "max_active_jobs",
  queues: "max_queues",
  workers: "max_workers",
  api_keys: "max_api_keys",
  schedules: "max_schedules",
  workflows: "max_workflows",
  webhooks: "max_webhooks",
} as const satisfies Record<string, CountLimit>;
export type UsageResource = keyof typeof USAGE_RESOURCES;

/** The limit name a warning or quota error reports for a usage resource. */
export const limitResourceName = (r: UsageResource) => (r === "jobs_today" ? "jobs_per_day" : r);

export function usageItem(current: number, limit: number | null): UsageItem {
  return {
    current,
    limit,
    percentage: limit === null ? null : limit === 0 ? (current > 0 ? 100 : 0) : Math.round((current / limit) * 10000) / 100,
    is_disabled: limit === 0,
  };
}

/** Warnings at >=50 % (free) or >=80 % (paid plans), critical at >=100 %. */
export function usageWarnings(tier: string, usage: Record<UsageResource, UsageItem>) {
  const threshold = tier === "free" ? 50 : 80;
  const warnings: { resource: string; message: string; severity: "warning" | "critical" }[] = [];
  for (const [resource, item] of Object.entries(usage) as [UsageResource, UsageItem][]) {
    if (item.limit === null || item.limit === 0 || item.percentage === null) continue;
    const name = limitResourceName(resource);
    if (item.percentage >= 100) warnings.push({ resource: name, message: `${name} limit reached (${item.current}/${item.limit})`, severity: "critical" });
    else if (item.percentage >= threshold) warnings.push({ resource: name, message: `${name} usage is at ${Math.floor(item.percentage)}% of the limit (${item.current}/${item.limit})`, severity: "warning" });
  }
  return warnings;
}

/** Seconds from `now` until the next 00:00 UTC, when the daily job counter starts over. */
export function secondsUntilUtcMidnight(now: Date): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}
