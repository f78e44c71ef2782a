import type { JobRow } from "../store/jobs";
import type { Engine, NewJobInfo } from "./context";
import type { Queryable } from "../db/types";
import * as usage from "../store/usage";
import * as orgs from "../store/orgs";
import { countEnabledWebhooks } from "../store/outgoing-webhooks";
import { AppError, notFound } from "../domain/errors";
import { jsonByteLength } from "../domain/json-limits";
import {
  buildPlanTable, effectiveLimits, limitResourceName, nextPlan, secondsUntilUtcMidnight, usageItem, usageWarnings, USAGE_RESOURCES,
  type PlanLimits, type PlanTier, type UsageItem, type UsageResource,
} from "../domain/plans";

/** The deployment's plans (built-ins with SPOOLED_PLAN_* overrides), computed once per configuration. */
export function planTable(e: Engine): Record<PlanTier, PlanLimits> {
  return (e.memory.planTable ??= buildPlanTable(e.config.planOverrides));
}

export const limitsOf = (e: Engine, org: { plan_tier: string; custom_limits: unknown }) => effectiveLimits(planTable(e), org.plan_tier, org.custom_limits);

/** Caps other than active jobs and jobs per day are opt-in (SPINDLE_ENFORCE_LIMITS), per the contract's advice. */
export type OptInLimit = "queues" | "workers" | "api_keys" | "schedules" | "workflows" | "webhooks" | "payload";
export function enforces(e: Engine, what: "active_jobs" | "jobs_per_day" | OptInLimit): boolean {
  if (!e.config.enforceQuotas) return false;
  if (what === "active_jobs" || what === "jobs_per_day") return true;
  return e.config.optInLimits.has(what) || e.config.optInLimits.has("all");
}

/**
 * How each usage figure is counted: one fixed table (every table exists: migrations do not depend on features).
 */
export type UsageCounter = (q: Queryable, orgId: string) => Promise<number>;
const usageCounters: Partial<Record<UsageResource, UsageCounter>> = {
  jobs_today: usage.jobsToday,
  active_jobs: usage.countActiveJobs,
  queues: usage.countQueues,
  api_keys: usage.countActiveApiKeys,
  workers: usage.countLiveWorkers,
  schedules: usage.countActiveSchedules,
  workflows: usage.countOpenWorkflows,
  webhooks: countEnabledWebhooks,
};

export async function countUsage(q: Queryable, resource: UsageResource, orgId: string): Promise<number> {
  return (await usageCounters[resource]?.(q, orgId)) ?? 0;
}

export function quotaExceeded(resource: string, current: number, limit: number, plan: string, retryAfterSecs: number): AppError {
  const upgrade = nextPlan(plan);
  return new AppError(
    "QUOTA_EXCEEDED",
    `${resource} limit reached (${current}/${limit}).${upgrade ? ` Upgrade to ${upgrade} for higher limits.` : ""}`,
    undefined,
    { error: "limit_exceeded", resource, current, limit, plan, upgrade_to: upgrade, retry_after_secs: retryAfterSecs },
  );
}

/** How long waiting may help: the daily counter restarts at UTC midnight; other caps free up as work finishes. */
const SHORT_RETRY_SECS = 5;

async function organizationOf(tx: Queryable, orgId: string) {
  const org = await orgs.getOrganization(tx, orgId);
  if (!org) throw notFound("Organization not found");
  return org;
}

/**
 * The validateInsert hook: inside the creating transaction, under the organization's usage-row lock, refuses
 * a batch that would pass the active-jobs or daily cap (and, when opted in, the payload and queue caps).
 */
export async function checkJobQuota(e: Engine, tx: Queryable, orgId: string, count: number, jobs?: readonly NewJobInfo[]): Promise<void> {
  if (count <= 0) return;
  // The plan is read before the lock (a plain read locks nothing) to keep the locked stretch short.
  const org = e.config.enforceQuotas ? await organizationOf(tx, orgId) : undefined;
  // Always taken, even when nothing is enforced: every writer locks the usage row before the organization row
  // (job inserts lock it for key share; deleting an organization locks both in this order), so none deadlock.
  const { jobsToday } = await usage.lockUsage(tx, orgId);
  if (!org) return;
  const limits = limitsOf(e, org);
  if (enforces(e, "payload") && jobs) {
    const biggest = Math.max(0, ...jobs.map((j) => jsonByteLength(j.payload)));
    if (biggest > limits.max_payload_size_bytes) {
      throw new AppError("PAYLOAD_TOO_LARGE", `Payload exceeds the ${limits.display_name} plan limit of ${limits.max_payload_size_bytes} bytes`);
    }
  }
  const checkQueues = enforces(e, "queues") && limits.max_queues !== null && jobs !== undefined;
  if (limits.max_active_jobs === null && limits.max_jobs_per_day === null && !checkQueues) return;
  if (limits.max_jobs_per_day !== null && jobsToday + count > limits.max_jobs_per_day) {
    throw quotaExceeded("jobs_per_day", jobsToday, limits.max_jobs_per_day, org.plan_tier, secondsUntilUtcMidnight(new Date()));
  }
  if (limits.max_active_jobs !== null) {
    const active = await usage.countActiveJobs(tx, orgId);
    if (active + count > limits.max_active_jobs) throw quotaExceeded("active_jobs", active, limits.max_active_jobs, org.plan_tier, SHORT_RETRY_SECS);
  }
  if (checkQueues) {
    const fresh = await usage.newQueueNames(tx, orgId, [...new Set(jobs!.map((j) => j.queueName))]);
    if (fresh.length > 0) {
      const current = await usage.countQueues(tx, orgId);
      if (current + fresh.length > limits.max_queues!) throw quotaExceeded("queues", current, limits.max_queues!, org.plan_tier, SHORT_RETRY_SECS);
    }
  }
}

/** The onTransition("created") hook: counts created jobs for the daily cap (idempotent hits never get here). */
export async function countCreatedJobs(tx: Queryable, rows: JobRow[]): Promise<void> {
  const perOrg = new Map<string, number>();
  for (const r of rows) perOrg.set(r.organization_id, (perOrg.get(r.organization_id) ?? 0) + 1);
  for (const [orgId, n] of perOrg) await usage.addJobsToday(tx, orgId, n);
}

/**
 * For features creating a countable resource (API keys here; workers, schedules, workflows, webhooks elsewhere):
 * call inside the creating transaction. A no-op unless that cap is opted in; race-free under the usage-row lock.
 * A cap of 0 means the feature is disabled on the plan (403), otherwise the cap answers 429 QUOTA_EXCEEDED.
 */
export async function enforceResourceLimit(e: Engine, tx: Queryable, orgId: string, resource: Exclude<UsageResource, "jobs_today" | "active_jobs">, adding = 1): Promise<void> {
  if (!enforces(e, resource)) return;
  const org = await organizationOf(tx, orgId);
  const limit = limitsOf(e, org)[USAGE_RESOURCES[resource]];
  if (limit === null) return;
  if (limit === 0) {
    throw new AppError("ACCESS_DENIED", `${resource} are not available on the ${org.plan_tier} plan`, undefined, { error: "feature_disabled", resource, plan: org.plan_tier, upgrade_to: nextPlan(org.plan_tier) });
  }
  await usage.lockUsage(tx, orgId);
  const current = await countUsage(tx, resource, orgId);
  if (current + adding > limit) throw quotaExceeded(limitResourceName(resource), current, limit, org.plan_tier, SHORT_RETRY_SECS);
}

/** UsageInfo of the contract: effective limits, current usage per resource, warnings. */
export async function usageInfo(e: Engine, q: Queryable, org: orgs.OrganizationRow) {
  const limits = limitsOf(e, org);
  const items = {} as Record<UsageResource, UsageItem>;
  for (const resource of Object.keys(USAGE_RESOURCES) as UsageResource[]) {
    items[resource] = usageItem(await countUsage(q, resource, org.id), limits[USAGE_RESOURCES[resource]]);
  }
  return { plan: org.plan_tier, plan_display_name: limits.display_name, limits, usage: items, warnings: usageWarnings(org.plan_tier, items) };
}
