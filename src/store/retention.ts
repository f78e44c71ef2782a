import type { Queryable } from "../db/types";
import { FAILED_STATUSES, sqlStatuses, TERMINAL_STATUSES } from "../domain/job-states";

/** Job states retention may delete, by window: finished well, and finished by failing. */
export const FINISHED_OK = ["completed", "cancelled"] as const;
export const FINISHED_FAILED = FAILED_STATUSES;
const TERMINAL = `(${sqlStatuses(TERMINAL_STATUSES)})`;

/** Which queues: one queue (its own override), or every queue without an override. */
export type RetentionScope = { orgId: string; queueName: string } | "queues without an override";

export interface QueueRetentionOverride {
  orgId: string;
  queueName: string;
  completedDays?: number;
  deadletterDays?: number;
}

/** Queues whose configuration overrides the retention windows (settings.retention). */
export async function queueRetentionOverrides(q: Queryable): Promise<QueueRetentionOverride[]> {
  const rows = await q.query<{ organization_id: string; queue_name: string; retention: { completed_days?: number; deadletter_days?: number } }>(
    `SELECT organization_id, queue_name, settings -> 'retention' AS retention FROM queue_config
      WHERE jsonb_typeof(settings -> 'retention') = 'object'`,
  );
  return rows.map((r) => ({ orgId: r.organization_id, queueName: r.queue_name, completedDays: r.retention.completed_days, deadletterDays: r.retention.deadletter_days }));
}

/**
 * Deletes at most `batch` jobs in the given states that finished more than `olderThanSecs` ago, oldest first, with
 * their history (job_events) and HTTP attempts, in one statement. Jobs a live job still depends on, and jobs of a
 * workflow still running, are kept until those finish. SKIP LOCKED: two nodes never wait on each other.
 */
export async function deleteFinishedJobs(q: Queryable, statuses: readonly string[], olderThanSecs: number, batch: number, scope: RetentionScope): Promise<number> {
  const scoped = scope !== "queues without an override";
  const [row] = await q.query<{ n: number }>(
    `WITH doomed AS (
       SELECT j.id FROM jobs j
        WHERE j.status = ANY($1::text[]) AND j.status IN ${TERMINAL}
          AND j.updated_at < now() - make_interval(secs => $2::float8)
          AND ${scoped ? "j.organization_id = $4 AND j.queue_name = $5" : `NOT EXISTS (
                SELECT 1 FROM queue_config qc WHERE qc.organization_id = j.organization_id AND qc.queue_name = j.queue_name
                   AND jsonb_typeof(qc.settings -> 'retention') = 'object')`}
          AND NOT EXISTS (
                SELECT 1 FROM job_dependencies d JOIN jobs c ON c.id = d.job_id
                 WHERE d.depends_on_job_id = j.id AND c.status NOT IN ${TERMINAL})
          AND (j.workflow_id IS NULL OR NOT EXISTS (
                SELECT 1 FROM workflows w WHERE w.id = j.workflow_id AND w.status IN ('pending', 'running')))
        ORDER BY j.updated_at LIMIT $3
        FOR UPDATE OF j SKIP LOCKED
     ), gone AS (
       DELETE FROM jobs j USING doomed d WHERE j.id = d.id RETURNING j.id
     ), history AS (
       DELETE FROM job_events e USING gone g WHERE e.job_id = g.id
     ), attempts AS (
       DELETE FROM http_attempts a USING gone g WHERE a.subject_kind = 'job' AND a.subject_id = g.id
     )
     SELECT count(*)::int AS n FROM gone`,
    scoped ? [statuses, olderThanSecs, batch, scope.orgId, scope.queueName] : [statuses, olderThanSecs, batch],
  );
  return row?.n ?? 0;
}

/** Deletes at most `batch` finished outgoing-webhook deliveries (with their HTTP attempts) older than the window. */
export async function deleteFinishedDeliveries(q: Queryable, status: "success" | "failed", olderThanSecs: number, batch: number): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `WITH doomed AS (
       SELECT id FROM outgoing_webhook_deliveries
        WHERE status <> 'pending' AND status = $1 AND created_at < now() - make_interval(secs => $2::float8)
        ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED
     ), gone AS (
       DELETE FROM outgoing_webhook_deliveries o USING doomed d WHERE o.id = d.id RETURNING o.id
     ), attempts AS (
       DELETE FROM http_attempts a USING gone g WHERE a.subject_kind = 'webhook_delivery' AND a.subject_id = g.id
     )
     SELECT count(*)::int AS n FROM gone`,
    [status, olderThanSecs, batch],
  );
  return row?.n ?? 0;
}

/** Whether the server's autovacuum daemon reclaims deleted rows by itself (PostgreSQL with autovacuum = on). */
export async function autovacuumRuns(q: Queryable): Promise<boolean> {
  const [row] = await q.query<{ on: boolean }>(`SELECT current_setting('autovacuum') = 'on' AS on`);
  return row?.on ?? false;
}

/**
 * Plain VACUUM (no FULL: it takes no lock that readers or writers wait for) of the tables retention deletes from,
 * so their freed space is reused instead of the files growing. Outside any transaction, as VACUUM requires.
 */
export async function vacuumRetentionTables(q: Queryable): Promise<void> {
  for (const table of ["jobs", "job_events", "http_attempts", "outgoing_webhook_deliveries"]) await q.exec(`VACUUM ${table}`);
}
