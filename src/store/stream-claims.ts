import type { Queryable } from "../db/types";
import { CLAIMABLE_IN_QUEUE, JOB_COLUMNS_OF_J, recordEvents, type JobRow } from "./jobs";

export interface WorkerWant {
  workerId: string;
  /** Jobs this worker would take now. */
  want: number;
  /** Jobs it may hold at once (processing and leased to it, on any node); null = no cap. */
  cap: number | null;
  leaseSecs: number;
}

/**
 * Leases runnable jobs of one queue to many workers in one statement: each worker gets at most `want` jobs and,
 * with a cap, never more than cap minus what it already holds (counted in the table, so a settlement on any node
 * frees the slot). Slots are dealt round robin (every worker's first slot before anyone's second), jobs in claim
 * order (priority, then FIFO); SKIP LOCKED as every claim. One history row per job, as claimJobs.
 */
export async function claimForWorkers(q: Queryable, orgId: string, queueName: string, workers: WorkerWant[]): Promise<JobRow[]> {
  if (workers.length === 0) return [];
  return q.query<JobRow>(
    `WITH w AS (
       SELECT t.worker_id, t.ord, t.lease_secs,
              CASE WHEN t.cap IS NULL THEN t.want ELSE LEAST(t.want, t.cap - (
                SELECT count(*)::int FROM jobs h WHERE h.assigned_worker_id = t.worker_id AND h.status = 'processing' AND h.organization_id = $1
              )) END AS free
       FROM unnest($3::text[], $4::int[], $5::int[], $6::float8[]) WITH ORDINALITY AS t(worker_id, want, cap, lease_secs, ord)
     ), slots AS (
       SELECT w.worker_id, w.lease_secs, row_number() OVER (ORDER BY n, w.ord) AS slot
       FROM w CROSS JOIN LATERAL generate_series(1, w.free) AS n
     ), candidates AS (
       SELECT id, priority, created_at, seq FROM jobs
       ${CLAIMABLE_IN_QUEUE}
       LIMIT (SELECT count(*) FROM slots)
       FOR UPDATE SKIP LOCKED
     ), numbered AS (
       SELECT id, row_number() OVER (ORDER BY priority DESC, created_at, seq) AS slot FROM candidates
     ), changed AS (
       UPDATE jobs j SET status = 'processing', assigned_worker_id = s.worker_id, lease_id = gen_random_uuid()::text,
              lease_expires_at = now() + make_interval(secs => s.lease_secs), started_at = COALESCE(j.started_at, now()), updated_at = now()
       FROM numbered c JOIN slots s ON s.slot = c.slot
       WHERE j.id = c.id
       RETURNING ${JOB_COLUMNS_OF_J}
     )${recordEvents("'claimed'", { worker: "assigned_worker_id", error: "NULL", detail: "jsonb_build_object('lease_id', lease_id, 'lease_expires_at', lease_expires_at)" })}
     SELECT * FROM changed`,
    [orgId, queueName, workers.map((w) => w.workerId), workers.map((w) => w.want), workers.map((w) => w.cap), workers.map((w) => w.leaseSecs)],
  );
}

/** How many jobs each of these workers holds (processing, leased to it). */
export async function heldCounts(q: Queryable, orgId: string, workerIds: string[]): Promise<Map<string, number>> {
  const rows = await q.query<{ worker_id: string; n: number }>(
    `SELECT assigned_worker_id AS worker_id, count(*)::int AS n FROM jobs
     WHERE assigned_worker_id = ANY($2::text[]) AND status = 'processing' AND organization_id = $1 GROUP BY 1`,
    [orgId, workerIds],
  );
  return new Map(rows.map((r) => [r.worker_id, r.n]));
}
