import { ACTIVE_STATUSES, sqlStatuses } from "../domain/job-states";
import type { Queryable } from "../db/types";
import { notFound } from "../domain/errors";

const TODAY = "(now() AT TIME ZONE 'UTC')::date";

/**
 * Locks the organization's usage row (creating it if missing) and returns today's job count. Every quota check
 * of one organization passes through this row lock, so concurrent checks decide one after another.
 */
export async function lockUsage(q: Queryable, orgId: string): Promise<{ jobsToday: number }> {
  try {
    const [row] = await q.query<{ jobs_today: number }>(
      `INSERT INTO org_usage AS u (organization_id) VALUES ($1)
       ON CONFLICT (organization_id) DO UPDATE SET updated_at = u.updated_at
       RETURNING CASE WHEN u.usage_day = ${TODAY} THEN u.jobs_today ELSE 0 END AS jobs_today`,
      [orgId],
    );
    return { jobsToday: row?.jobs_today ?? 0 };
  } catch (err) {
    // The organization was deleted while we waited for its row.
    if ((err as { code?: string }).code === "23503") throw notFound("Organization not found");
    throw err;
  }
}

/** Counts jobs created today (UTC); the counter starts over on the first creation of a new day. */
export async function addJobsToday(q: Queryable, orgId: string, n: number): Promise<void> {
  await q.query(
    `INSERT INTO org_usage AS u (organization_id, jobs_today) VALUES ($1, $2::int)
     ON CONFLICT (organization_id) DO UPDATE SET
       jobs_today = CASE WHEN u.usage_day = ${TODAY} THEN u.jobs_today ELSE 0 END + $2::int,
       usage_day = ${TODAY}, updated_at = now()`,
    [orgId, n],
  );
}

export async function jobsToday(q: Queryable, orgId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `SELECT CASE WHEN usage_day = ${TODAY} THEN jobs_today ELSE 0 END AS n FROM org_usage WHERE organization_id = $1`,
    [orgId],
  );
  return row?.n ?? 0;
}

export async function resetJobsToday(q: Queryable, orgId: string): Promise<void> {
  await q.query(
    `INSERT INTO org_usage AS u (organization_id) VALUES ($1)
     ON CONFLICT (organization_id) DO UPDATE SET jobs_today = 0, usage_day = ${TODAY}, updated_at = now()`,
    [orgId],
  );
}

/** pending + scheduled + processing. */
export async function countActiveJobs(q: Queryable, orgId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM jobs WHERE organization_id = $1 AND status IN (${sqlStatuses(ACTIVE_STATUSES)})`,
    [orgId],
  );
  return row?.n ?? 0;
}

/** Distinct queue names: configured or having jobs. */
export async function countQueues(q: Queryable, orgId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT queue_name FROM queue_config WHERE organization_id = $1
       UNION SELECT DISTINCT queue_name FROM jobs WHERE organization_id = $1) q`,
    [orgId],
  );
  return row?.n ?? 0;
}

/** Which of these queue names the organization does not use yet (neither configured nor having jobs). */
export async function newQueueNames(q: Queryable, orgId: string, names: string[]): Promise<string[]> {
  const rows = await q.query<{ name: string }>(
    `SELECT n.name FROM unnest($2::text[]) AS n(name)
     WHERE NOT EXISTS (SELECT 1 FROM queue_config c WHERE c.organization_id = $1 AND c.queue_name = n.name)
       AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.organization_id = $1 AND j.queue_name = n.name)`,
    [orgId, names],
  );
  return rows.map((r) => r.name);
}

export async function countActiveApiKeys(q: Queryable, orgId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM api_keys WHERE organization_id = $1 AND is_active AND (expires_at IS NULL OR expires_at > now())",
    [orgId],
  );
  return row?.n ?? 0;
}

/** Workers counted against the plan: healthy or degraded. */
export async function countLiveWorkers(q: Queryable, orgId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM workers WHERE organization_id = $1 AND status IN ('healthy', 'degraded')",
    [orgId],
  );
  return row?.n ?? 0;
}

/** Workers that still hold or may take work: healthy, degraded or draining. */
export async function countActiveWorkers(q: Queryable, orgId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM workers WHERE organization_id = $1 AND status IN ('healthy', 'degraded', 'draining')",
    [orgId],
  );
  return row?.n ?? 0;
}

/** Active schedules. */
export async function countActiveSchedules(q: Queryable, orgId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM schedules WHERE organization_id = $1 AND is_active", [orgId]);
  return row?.n ?? 0;
}

/** Workflows that are not finished: pending or running. */
export async function countOpenWorkflows(q: Queryable, orgId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM workflows WHERE organization_id = $1 AND status IN ('pending', 'running')",
    [orgId],
  );
  return row?.n ?? 0;
}
