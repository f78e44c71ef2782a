import type { Engine } from "./context";
import { createOrganization, issueApiKey } from "./orgs";
import { countUsage, planTable, usageInfo } from "./quotas";
import * as orgs from "../store/orgs";
import * as usage from "../store/usage";
import * as dashboard from "../store/dashboard";
import { badRequest, notFound } from "../domain/errors";
import { PLAN_TIERS } from "../domain/plans";
import { iso } from "../domain/views";
import { VERSION } from "../version";

/** Operator API behind X-Admin-Key: every organization of the deployment. */

async function orgOrThrow(e: Engine, id: string) {
  const org = await orgs.getOrganization(e.db, id);
  if (!org) throw notFound("Organization not found");
  return org;
}

export async function listOrganizations(
  e: Engine,
  f: { plan_tier?: string; search?: string; limit?: number; offset?: number; sort_by?: string; sort_order?: string },
) {
  const limit = Math.min(100, Math.max(1, f.limit ?? 50));
  const offset = Math.max(0, f.offset ?? 0);
  const planTier = f.plan_tier && [...PLAN_TIERS, "deleted"].includes(f.plan_tier) ? f.plan_tier : undefined;
  // Search text is matched literally: LIKE wildcards and anything unusual are dropped.
  const search = f.search?.replace(/[^\p{L}\p{N} _.\-@]/gu, "").replace(/[_]/g, "").trim().slice(0, 100) || undefined;
  const { rows, total } = await orgs.searchOrganizations(e.db, {
    planTier, search, limit, offset, sortBy: f.sort_by ?? "created_at", sortOrder: f.sort_order === "asc" ? "asc" : "desc",
  });
  const organizations = [];
  for (const o of rows) {
    const u: Record<string, number> = {};
    for (const r of ["jobs_today", "active_jobs", "queues", "workers", "api_keys"] as const) u[r] = await countUsage(e.db, r, o.id);
    organizations.push({ id: o.id, name: o.name, slug: o.slug, plan_tier: o.plan_tier, billing_email: o.billing_email ?? null, created_at: iso(o.created_at), updated_at: iso(o.updated_at), usage: u });
  }
  return { organizations, total, limit, offset };
}

export async function getOrganization(e: Engine, id: string) {
  const org = await orgOrThrow(e, id);
  return {
    org,
    usage_info: await usageInfo(e, e.db, org),
    api_keys_count: await countUsage(e.db, "api_keys", id),
    total_jobs: await orgs.countJobs(e.db, id),
  };
}

export async function patchOrganization(
  e: Engine,
  id: string,
  p: { plan_tier?: string; billing_email?: string | null; settings?: Record<string, unknown>; custom_limits?: Record<string, unknown> | null },
) {
  await orgOrThrow(e, id);
  // null or {} resets to the plan's limits; absent keeps what is there.
  const customLimits = p.custom_limits === undefined ? undefined : p.custom_limits && Object.keys(p.custom_limits).length ? p.custom_limits : null;
  const org = await orgs.adminUpdateOrganization(e.db, id, { planTier: p.plan_tier, billingEmail: p.billing_email, settings: p.settings, customLimits });
  if (!org) throw notFound("Organization not found");
  return org;
}

export async function deleteOrganization(e: Engine, id: string, hard: boolean): Promise<void> {
  await orgOrThrow(e, id);
  const done = await e.db.transaction(async (tx) => {
    await usage.lockUsage(tx, id);
    return hard ? orgs.deleteOrganization(tx, id) : orgs.softDeleteOrganization(tx, id);
  });
  if (!done) throw notFound("Organization not found");
}

export const createOrganizationAsAdmin = (e: Engine, input: { name: string; slug: string; billing_email?: string | null; plan_tier?: string }) => createOrganization(e, input);

export async function createKey(e: Engine, id: string, input: { name: string; queues?: string[] }) {
  const org = await orgOrThrow(e, id);
  if (org.plan_tier === "deleted") throw badRequest("Cannot create API keys for a deleted organization");
  return e.db.transaction((tx) => issueApiKey(e, tx, id, { name: input.name, queues: input.queues }));
}

export async function resetUsage(e: Engine, id: string): Promise<void> {
  await orgOrThrow(e, id);
  await usage.resetJobsToday(e.db, id);
}

export async function stats(e: Engine) {
  const o = await orgs.organizationStats(e.db);
  const j = await dashboard.deploymentJobStats(e.db);
  const w = await dashboard.workerHealth(e.db, null);
  return {
    organizations: { total: o.byPlan.reduce((n, r) => n + r.count, 0), by_plan: o.byPlan, created_today: o.createdToday, created_this_week: o.createdThisWeek },
    jobs: j,
    workers: { total: w.total, healthy: w.healthy, degraded: w.degraded },
    system: { api_version: VERSION, uptime_seconds: Math.floor((Date.now() - e.startedAt.getTime()) / 1000) },
  };
}

export const plans = (e: Engine) => PLAN_TIERS.map((t) => planTable(e)[t]);
