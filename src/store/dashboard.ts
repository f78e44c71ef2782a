import { sqlStatuses, ACTIVE_STATUSES, FAILED_STATUSES } from "../domain/job-states";
import type { Queryable } from "../db/types";

/** Job figures of one organization for the dashboard: counts, and average times in ms (null without completions). */
export type OrganizationJobStats = {
  total: number;
  pending: number;
  processing: number;
  deadletter: number;
  completed_24h: number;
  failed_24h: number;
  avg_wait_time_ms: number | null;
  avg_processing_time_ms: number | null;
  jobs_created_1h: number;
  jobs_completed_1h: number;
  jobs_failed_1h: number;
};

/** Job figures of one organization for the dashboard (24 h and 1 h windows on the database clock). */
export async function organizationJobStats(q: Queryable, orgId: string): Promise<OrganizationJobStats> {
  const [row] = await q.query<OrganizationJobStats>(
    `SELECT count(*)::int AS total,
       count(*) FILTER (WHERE status = 'pending')::int AS pending,
       count(*) FILTER (WHERE status = 'processing')::int AS processing,
       count(*) FILTER (WHERE status = 'deadletter')::int AS deadletter,
       count(*) FILTER (WHERE status = 'completed' AND completed_at > now() - interval '24 hours')::int AS completed_24h,
       count(*) FILTER (WHERE status IN (${sqlStatuses(FAILED_STATUSES)}) AND updated_at > now() - interval '24 hours')::int AS failed_24h,
       avg(extract(epoch FROM started_at - created_at) * 1000) FILTER (WHERE status = 'completed' AND completed_at > now() - interval '24 hours')::float8 AS avg_wait_time_ms,
       avg(extract(epoch FROM completed_at - started_at) * 1000) FILTER (WHERE status = 'completed' AND completed_at > now() - interval '24 hours')::float8 AS avg_processing_time_ms,
       count(*) FILTER (WHERE created_at > now() - interval '1 hour')::int AS jobs_created_1h,
       count(*) FILTER (WHERE status = 'completed' AND completed_at > now() - interval '1 hour')::int AS jobs_completed_1h,
       count(*) FILTER (WHERE status IN (${sqlStatuses(FAILED_STATUSES)}) AND updated_at > now() - interval '1 hour')::int AS jobs_failed_1h
     FROM jobs WHERE organization_id = $1`,
    [orgId],
  );
  return row!;
}

/** Up to `limit` queues by name: configured or having jobs, with live counts and the paused flag. */
export async function queueSummaries(q: Queryable, orgId: string, limit = 20) {
  return q.query<{ name: string; pending: number; processing: number; paused: boolean }>(
    `WITH names AS (
       SELECT queue_name FROM queue_config WHERE organization_id = $1
       UNION SELECT DISTINCT queue_name FROM jobs WHERE organization_id = $1
     )
     SELECT n.queue_name AS name,
       (SELECT count(*)::int FROM jobs j WHERE j.organization_id = $1 AND j.queue_name = n.queue_name AND j.status = 'pending') AS pending,
       (SELECT count(*)::int FROM jobs j WHERE j.organization_id = $1 AND j.queue_name = n.queue_name AND j.status = 'processing') AS processing,
       COALESCE((SELECT NOT c.enabled FROM queue_config c WHERE c.organization_id = $1 AND c.queue_name = n.queue_name), false) AS paused
     FROM names n ORDER BY n.queue_name LIMIT $2`,
    [orgId, limit],
  );
}

/** Workers that are not offline; healthy = status healthy with a heartbeat in the last minute. Needs the workers table. */
export async function workerHealth(q: Queryable, orgId: string | null) {
  const [row] = await q.query<{ total: number; healthy: number; degraded: number }>(
    `SELECT count(*)::int AS total,
       count(*) FILTER (WHERE status = 'healthy' AND last_heartbeat > now() - interval '1 minute')::int AS healthy,
       count(*) FILTER (WHERE status = 'degraded')::int AS degraded
     FROM workers WHERE status <> 'offline' AND ($1::text IS NULL OR organization_id = $1)`,
    [orgId],
  );
  return row ?? { total: 0, healthy: 0, degraded: 0 };
}

/** Deployment-wide job figures (admin stats). */
export async function deploymentJobStats(q: Queryable) {
  const [row] = await q.query<{ total_active: number; pending: number; processing: number; completed_24h: number; failed_24h: number }>(
    `SELECT
       (SELECT count(*)::int FROM jobs WHERE status IN (${sqlStatuses(ACTIVE_STATUSES)})) AS total_active,
       (SELECT count(*)::int FROM jobs WHERE status = 'pending') AS pending,
       (SELECT count(*)::int FROM jobs WHERE status = 'processing') AS processing,
       (SELECT count(*)::int FROM jobs WHERE status = 'completed' AND completed_at > now() - interval '24 hours') AS completed_24h,
       (SELECT count(*)::int FROM jobs WHERE status IN (${sqlStatuses(FAILED_STATUSES)}) AND updated_at > now() - interval '24 hours') AS failed_24h`,
  );
  return row!;
}

/** Active jobs per organization, queue and status, plus the oldest pending job's age (the metrics gauges). */
export async function activeJobGauges(q: Queryable) {
  const byQueue = await q.query<{ organization_id: string; queue_name: string; status: string; n: number }>(
    `SELECT organization_id, queue_name, status, count(*)::int AS n FROM jobs
     WHERE status IN (${sqlStatuses(ACTIVE_STATUSES)}) GROUP BY organization_id, queue_name, status`,
  );
  const [age] = await q.query<{ secs: number | null }>(
    "SELECT extract(epoch FROM now() - min(created_at))::float8 AS secs FROM jobs WHERE status = 'pending' AND (scheduled_at IS NULL OR scheduled_at <= now())",
  );
  return { byQueue, oldestPendingSecs: age?.secs ?? 0 };
}

/**
 * Job events per minute over the last `minutes` minutes, the current one included, oldest first and zero-filled:
 * jobs enqueued, completed, and attempts that failed (retried, dead-lettered or lost to an expired lease).
 * `queues` (exact names) narrows it to a scoped key's queues; null means all.
 */
export async function jobEventsPerMinute(q: Queryable, orgId: string, minutes: number, queues: string[] | null) {
  return q.query<{ minute: Date; enqueued: number; completed: number; failed: number }>(
    `WITH since AS (SELECT date_trunc('minute', now()) - ($2::int - 1) * interval '1 minute' AS t),
     counted AS (
       SELECT date_trunc('minute', created_at) AS minute,
         count(*) FILTER (WHERE event = 'created')::int AS enqueued,
         count(*) FILTER (WHERE event = 'completed')::int AS completed,
         count(*) FILTER (WHERE event IN ('failed', 'deadlettered', 'lease_expired'))::int AS failed
       FROM job_events
       WHERE organization_id = $1 AND created_at >= (SELECT t FROM since) AND ($3::text[] IS NULL OR queue_name = ANY($3::text[]))
       GROUP BY 1
     )
     SELECT m.minute, COALESCE(c.enqueued, 0) AS enqueued, COALESCE(c.completed, 0) AS completed, COALESCE(c.failed, 0) AS failed
     FROM generate_series((SELECT t FROM since), date_trunc('minute', now()), interval '1 minute') AS m(minute)
     LEFT JOIN counted c ON c.minute = m.minute
     ORDER BY m.minute`,
    [orgId, minutes, queues],
  );
}
