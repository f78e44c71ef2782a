import { sqlStatuses, WAITING_STATUSES } from "../domain/job-states";
import type { Queryable } from "../db/types";
import type { JobMatch } from "../domain/operation-schemas";
import { JOB_COLUMNS, JOB_COLUMNS_OF_J, recordEvents, type JobRow } from "./jobs";

/**
 * The bulk filter as one WHERE clause over `jobs` with fixed parameters $1..$8: organization, statuses, queue,
 * created window, error substring (case-insensitive, no wildcards), tags (all present), and the snapshot instant
 * (only jobs last changed at or before it).
 */
const MATCHES = `organization_id = $1 AND status = ANY($2::text[])
  AND ($3::text IS NULL OR queue_name = $3)
  AND ($4::timestamptz IS NULL OR created_at > $4) AND ($5::timestamptz IS NULL OR created_at < $5)
  AND ($6::text IS NULL OR strpos(lower(coalesce(last_error, '')), lower($6)) > 0)
  AND ($7::text[] IS NULL OR (tags IS NOT NULL AND tags ?& $7::text[]))
  AND updated_at <= $8`;

const matchParams = (orgId: string, m: JobMatch, snapshotAt: Date | string) => [
  orgId, m.statuses, m.queue_name, m.created_after, m.created_before, m.error_contains, m.tags, snapshotAt instanceof Date ? snapshotAt.toISOString() : snapshotAt,
];

/** The database's now(), which bounds what an operation started at this instant may touch. */
export async function databaseNow(q: Queryable): Promise<Date> {
  const [row] = await q.query<{ now: Date }>("SELECT now() AS now");
  return new Date(row!.now);
}

export async function countMatching(q: Queryable, orgId: string, m: JobMatch, snapshotAt: Date): Promise<number> {
  const [row] = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE ${MATCHES}`, matchParams(orgId, m, snapshotAt));
  return row?.n ?? 0;
}

export async function sampleMatching(q: Queryable, orgId: string, m: JobMatch, snapshotAt: Date, limit: number): Promise<JobRow[]> {
  if (limit === 0) return [];
  return q.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE ${MATCHES} ORDER BY id LIMIT $9`, [...matchParams(orgId, m, snapshotAt), limit]);
}

/**
 * The next batch of an operation: matching jobs after the cursor, in id order, locked. Id order is the same for
 * every operation, so two operations over overlapping jobs lock them in the same order and never deadlock.
 */
export async function lockNextBatch(q: Queryable, orgId: string, m: JobMatch, snapshotAt: Date, afterId: string, limit: number): Promise<{ id: string; payload: unknown }[]> {
  return q.query(
    `SELECT id, payload FROM jobs WHERE ${MATCHES} AND id > $9 ORDER BY id LIMIT $10 FOR UPDATE`,
    [...matchParams(orgId, m, snapshotAt), afterId, limit],
  );
}

/** Redrives locked jobs: pending with a fresh attempt budget; a non-null payload replaces the job's payload. */
export async function redriveJobs(q: Queryable, orgId: string, operationId: string, items: { id: string; payload: string | null }[]): Promise<JobRow[]> {
  if (items.length === 0) return [];
  return q.query(
    `WITH input AS (SELECT * FROM unnest($2::text[], $3::text[]) AS t(id, payload)),
     changed AS (
       UPDATE jobs j SET status = 'pending', payload = COALESCE(i.payload::jsonb, j.payload), retry_count = 0, last_error = NULL,
              scheduled_at = NULL, completed_at = NULL, assigned_worker_id = NULL, lease_id = NULL, lease_expires_at = NULL, updated_at = now()
       FROM input i WHERE j.id = i.id AND j.organization_id = $1
       RETURNING ${JOB_COLUMNS_OF_J}
     )${recordEvents("'retried'", { worker: "NULL", error: "NULL", detail: "jsonb_build_object('operation_id', $4::text)" })}
     SELECT * FROM changed`,
    [orgId, items.map((i) => i.id), items.map((i) => i.payload), operationId],
  );
}

export async function cancelJobs(q: Queryable, orgId: string, operationId: string, ids: string[]): Promise<JobRow[]> {
  if (ids.length === 0) return [];
  return q.query(
    `WITH changed AS (
       UPDATE jobs SET status = 'cancelled', completed_at = now(), updated_at = now()
       WHERE organization_id = $1 AND id = ANY($2::text[]) AND status IN (${sqlStatuses(WAITING_STATUSES)})
       RETURNING ${JOB_COLUMNS}
     )${recordEvents("'cancelled'", { worker: "NULL", error: "NULL", detail: "jsonb_build_object('operation_id', $3::text)" })}
     SELECT * FROM changed`,
    [orgId, ids, operationId],
  );
}

export async function purgeJobs(q: Queryable, orgId: string, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const [row] = await q.query<{ n: number }>(
    `WITH purged AS (DELETE FROM jobs WHERE organization_id = $1 AND id = ANY($2::text[]) RETURNING 1) SELECT count(*)::int AS n FROM purged`,
    [orgId, ids],
  );
  return row?.n ?? 0;
}

// ---- the operations table ---------------------------------------------------------------------------------

const OPERATION_COLUMNS = `id, organization_id, kind, status, filter, payload_patch, rate_per_sec, snapshot_at, cursor_id, matched::float8 AS matched,
  processed::float8 AS processed, skipped::float8 AS skipped, next_run_at, created_by, error, created_at, updated_at, finished_at`;

/** A bulk operation as OPERATION_COLUMNS reads it (counts as numbers). */
export type OperationRow = {
  id: string;
  organization_id: string;
  kind: "redrive" | "cancel" | "purge";
  status: "running" | "completed" | "cancelled" | "failed";
  filter: JobMatch;
  payload_patch: unknown;
  rate_per_sec: number | null;
  snapshot_at: Date;
  cursor_id: string;
  matched: number;
  processed: number;
  skipped: number;
  next_run_at: Date;
  created_by: string;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
};

/** One line of the audit log. */
export type AuditEntryRow = { id: number; actor: string; action: string; target: string | null; detail: unknown; created_at: Date };

export interface NewOperation {
  id: string;
  kind: string;
  filter: JobMatch;
  payloadPatch: unknown;
  ratePerSec: number | null;
  snapshotAt: Date;
  matched: number;
  createdBy: string;
}

export async function insertOperation(q: Queryable, orgId: string, op: NewOperation): Promise<OperationRow> {
  const [row] = await q.query<OperationRow>(
    `INSERT INTO operations (id, organization_id, kind, status, filter, payload_patch, rate_per_sec, snapshot_at, matched, created_by)
     VALUES ($1, $2, $3, 'running', $4::text::jsonb, $5::text::jsonb, $6, $7, $8, $9)
     RETURNING ${OPERATION_COLUMNS}`,
    [op.id, orgId, op.kind, JSON.stringify(op.filter), op.payloadPatch === undefined ? null : JSON.stringify(op.payloadPatch), op.ratePerSec, op.snapshotAt.toISOString(), op.matched, op.createdBy],
  );
  return row;
}

export async function getOperation(q: Queryable, orgId: string, id: string): Promise<OperationRow | undefined> {
  const [row] = await q.query<OperationRow>(`SELECT ${OPERATION_COLUMNS} FROM operations WHERE organization_id = $1 AND id = $2`, [orgId, id]);
  return row;
}

export async function listOperations(q: Queryable, orgId: string, limit: number, offset: number): Promise<OperationRow[]> {
  return q.query<OperationRow>(`SELECT ${OPERATION_COLUMNS} FROM operations WHERE organization_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`, [orgId, limit, offset]);
}

/**
 * Locks one running operation whose next batch is due: a given one (the request that created it waits for a loop
 * holding it, then finds it not due and leaves it), or the most overdue one that no other node holds.
 */
/** Whether any operation has a batch due (a plain read: the idle leader's every tick, without a transaction). */
export async function anyRunnableOperation(q: Queryable): Promise<boolean> {
  const [row] = await q.query<{ due: boolean }>("SELECT EXISTS (SELECT 1 FROM operations WHERE status = 'running' AND next_run_at <= now()) AS due");
  return !!row?.due;
}

export async function lockRunnableOperation(q: Queryable, id?: string): Promise<OperationRow | undefined> {
  const [row] = id
    ? await q.query<OperationRow>(`SELECT ${OPERATION_COLUMNS} FROM operations WHERE id = $1 AND status = 'running' AND next_run_at <= now() FOR UPDATE`, [id])
    : await q.query<OperationRow>(
        `SELECT ${OPERATION_COLUMNS} FROM operations WHERE status = 'running' AND next_run_at <= now()
         ORDER BY next_run_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
  return row;
}

/** Records a batch: the cursor moves, counts grow, and the next batch is due after `pauseSecs` (pacing). */
export async function advanceOperation(
  q: Queryable,
  id: string,
  step: { cursorId: string; processed: number; skipped: number; pauseSecs: number; finished: boolean },
): Promise<OperationRow> {
  const [row] = await q.query<OperationRow>(
    `UPDATE operations SET cursor_id = $2, processed = processed + $3, skipped = skipped + $4,
            next_run_at = now() + make_interval(secs => $5::float8), updated_at = now(),
            status = CASE WHEN $6::bool THEN 'completed' ELSE status END, finished_at = CASE WHEN $6::bool THEN now() END
     WHERE id = $1 RETURNING ${OPERATION_COLUMNS}`,
    [id, step.cursorId, step.processed, step.skipped, step.pauseSecs, step.finished],
  );
  return row;
}

/** Stops a running operation (cancelled by a user, or failed); an operation that already ended is left as it is. */
export async function endOperation(q: Queryable, orgId: string | null, id: string, status: "cancelled" | "failed", error: string | null): Promise<OperationRow | undefined> {
  const [row] = await q.query<OperationRow>(
    `UPDATE operations SET status = $3, error = $4, finished_at = now(), updated_at = now()
     WHERE id = $1 AND ($2::text IS NULL OR organization_id = $2) AND status = 'running' RETURNING ${OPERATION_COLUMNS}`,
    [id, orgId, status, error],
  );
  return row;
}

// ---- audit log ------------------------------------------------------------------------------------------

export async function insertAuditEntry(q: Queryable, e: { orgId: string; actor: string; action: string; target: string | null; detail: Record<string, unknown> }): Promise<void> {
  await q.query("INSERT INTO audit_log (organization_id, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5::text::jsonb)", [
    e.orgId, e.actor, e.action, e.target, JSON.stringify(e.detail),
  ]);
}

export async function listAuditEntries(q: Queryable, orgId: string, limit: number, beforeId: number | null): Promise<AuditEntryRow[]> {
  return q.query<AuditEntryRow>(
    `SELECT id::float8 AS id, actor, action, target, detail, created_at FROM audit_log
     WHERE organization_id = $1 AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT $2`,
    [orgId, limit, beforeId],
  );
}
