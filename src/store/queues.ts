import { sqlStatuses, FAILED_STATUSES, WAITING_STATUSES } from "../domain/job-states";
import type { Queryable } from "../db/types";

const CONFIG_COLUMNS = "id, organization_id, queue_name, max_retries, default_timeout, rate_limit, enabled, settings, created_at, updated_at";

/** A queue's configuration row. */
export type QueueConfigRow = {
  id: string;
  organization_id: string;
  queue_name: string;
  max_retries: number;
  default_timeout: number;
  rate_limit: number | null;
  enabled: boolean;
  settings: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
};

/** A queue as listed: configured, or known only by its jobs (with the server's defaults). */
export type QueueListRow = Pick<QueueConfigRow, "queue_name" | "max_retries" | "default_timeout" | "rate_limit" | "enabled">;

/** A queue's live figures. */
export type QueueStatsRow = {
  pending_jobs: number;
  processing_jobs: number;
  completed_jobs_24h: number;
  failed_jobs_24h: number;
  avg_processing_time_ms: number | null;
  max_job_age_seconds: number | null;
};

export async function getQueueConfig(q: Queryable, orgId: string, name: string): Promise<QueueConfigRow | undefined> {
  const [row] = await q.query<QueueConfigRow>(`SELECT ${CONFIG_COLUMNS} FROM queue_config WHERE organization_id = $1 AND queue_name = $2`, [orgId, name]);
  return row;
}

/** Configured queues plus queues that only exist because they have jobs (with default settings). */
export async function listQueues(q: Queryable, orgId: string, defaults: { maxRetries: number; timeoutSecs: number }, limit = 100): Promise<QueueListRow[]> {
  return q.query<QueueListRow>(
    `SELECT queue_name, max_retries, default_timeout, rate_limit, enabled FROM queue_config WHERE organization_id = $1
     UNION ALL
     SELECT DISTINCT j.queue_name, $2::int, $3::int, NULL::int, true FROM jobs j
     WHERE j.organization_id = $1 AND NOT EXISTS (SELECT 1 FROM queue_config c WHERE c.organization_id = $1 AND c.queue_name = j.queue_name)
     ORDER BY queue_name LIMIT $4`,
    [orgId, defaults.maxRetries, defaults.timeoutSecs, limit],
  );
}

export async function queueHasJobs(q: Queryable, orgId: string, name: string): Promise<boolean> {
  const rows = await q.query("SELECT 1 FROM jobs WHERE organization_id = $1 AND queue_name = $2 LIMIT 1", [orgId, name]);
  return rows.length > 0;
}

/** Creates the config row if missing, then applies only the fields given (absent = keep). */
export async function upsertQueueConfig(
  q: Queryable,
  orgId: string,
  name: string,
  patch: { maxRetries?: number; defaultTimeout?: number; rateLimit?: number | null; enabled?: boolean; settingsMerge?: Record<string, unknown> },
  defaults: { maxRetries: number; timeoutSecs: number },
): Promise<QueueConfigRow> {
  const [row] = await q.query<QueueConfigRow>(
    `INSERT INTO queue_config AS c (id, organization_id, queue_name, max_retries, default_timeout, rate_limit, enabled, settings)
     VALUES (gen_random_uuid()::text, $1, $2, COALESCE($3::int, $8::int), COALESCE($4::int, $9::int), $5::int, COALESCE($6::bool, true), COALESCE($7::text::jsonb, '{}'::jsonb))
     ON CONFLICT (organization_id, queue_name) DO UPDATE SET
       max_retries = COALESCE($3::int, c.max_retries),
       default_timeout = COALESCE($4::int, c.default_timeout),
       rate_limit = CASE WHEN $10::bool THEN $5::int ELSE c.rate_limit END,
       enabled = COALESCE($6::bool, c.enabled),
       settings = c.settings || COALESCE($7::text::jsonb, '{}'::jsonb),
       updated_at = now()
     RETURNING ${CONFIG_COLUMNS}`,
    [
      orgId, name, patch.maxRetries ?? null, patch.defaultTimeout ?? null, patch.rateLimit ?? null, patch.enabled ?? null,
      patch.settingsMerge ? JSON.stringify(patch.settingsMerge) : null, defaults.maxRetries, defaults.timeoutSecs,
      patch.rateLimit !== undefined,
    ],
  );
  return row;
}

export async function deleteQueueConfig(q: Queryable, orgId: string, name: string): Promise<boolean> {
  const rows = await q.query("DELETE FROM queue_config WHERE organization_id = $1 AND queue_name = $2 RETURNING id", [orgId, name]);
  return rows.length > 0;
}

export async function deleteQueueJobs(q: Queryable, orgId: string, name: string): Promise<number> {
  const rows = await q.query("DELETE FROM jobs WHERE organization_id = $1 AND queue_name = $2 RETURNING id", [orgId, name]);
  return rows.length;
}

export async function queueStats(q: Queryable, orgId: string, name: string): Promise<QueueStatsRow> {
  const [row] = await q.query<QueueStatsRow>(
    `SELECT
       count(*) FILTER (WHERE status = 'pending')::int AS pending_jobs,
       count(*) FILTER (WHERE status = 'processing')::int AS processing_jobs,
       count(*) FILTER (WHERE status = 'completed' AND completed_at > now() - interval '24 hours')::int AS completed_jobs_24h,
       count(*) FILTER (WHERE status IN (${sqlStatuses(FAILED_STATUSES)}) AND updated_at > now() - interval '24 hours')::int AS failed_jobs_24h,
       (avg(extract(epoch FROM (completed_at - started_at)) * 1000) FILTER (WHERE status = 'completed' AND started_at IS NOT NULL))::float8 AS avg_processing_time_ms,
       (extract(epoch FROM now() - min(created_at) FILTER (WHERE status IN (${sqlStatuses(WAITING_STATUSES)}))))::int AS max_job_age_seconds
     FROM jobs WHERE organization_id = $1 AND queue_name = $2`,
    [orgId, name],
  );
  return row;
}
