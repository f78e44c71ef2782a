import { attemptsLeftSql, sqlStatuses, FAILED_STATUSES, WAITING_STATUSES, type JobStatus } from "../domain/job-states";
import type { Queryable } from "../db/types";

/** Every job column a reader may need (seq is internal ordering only). */
export const JOB_COLUMNS = `id, organization_id, queue_name, status, payload, result, retry_count, max_retries, last_error,
  created_at, scheduled_at, started_at, completed_at, expires_at, priority, tags, timeout_seconds, parent_job_id,
  completion_webhook, assigned_worker_id, lease_id, lease_expires_at, idempotency_key, updated_at, workflow_id,
  dependency_mode, dependencies_met, seq`;

/** A job as JOB_COLUMNS reads it (timestamps are Dates; JSON columns are parsed). */
export type JobRow = {
  id: string;
  organization_id: string;
  queue_name: string;
  status: JobStatus;
  payload: unknown;
  result: unknown;
  retry_count: number;
  max_retries: number;
  last_error: string | null;
  created_at: Date;
  scheduled_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  expires_at: Date | null;
  priority: number;
  tags: unknown;
  timeout_seconds: number;
  parent_job_id: string | null;
  completion_webhook: string | null;
  assigned_worker_id: string | null;
  lease_id: string | null;
  lease_expires_at: Date | null;
  idempotency_key: string | null;
  updated_at: Date;
  workflow_id: string | null;
  dependency_mode: string | null;
  dependencies_met: boolean | null;
  seq: number;
};

/** One line of a job's history (job_events). */
export type JobEventRow = {
  id: number;
  job_id: string;
  queue_name: string;
  event: string;
  status: string;
  worker_id: string | null;
  error: string | null;
  detail: unknown;
  created_at: Date;
};

/** The same columns qualified with the alias `j`, for UPDATE ... FROM statements. */
export const JOB_COLUMNS_OF_J = JOB_COLUMNS.replace(/(\w+)/g, "j.$1");

/** Appends one history row per job returned by the CTE named `changed` (the same statement as the change). */
export const recordEvents = (event: string, extra = { worker: "NULL", error: "NULL", detail: "NULL" }) => `
  , recorded AS (
    INSERT INTO job_events (organization_id, job_id, queue_name, event, status, worker_id, error, detail)
    SELECT organization_id, id, queue_name, ${event}, status, ${extra.worker}, ${extra.error}, ${extra.detail} FROM changed
  )`;

export interface NewJob {
  id: string;
  queueName: string;
  payload: unknown;
  priority: number;
  maxRetries: number | null;
  timeoutSeconds: number | null;
  scheduledAt: Date | null;
  expiresAt: Date | null;
  idempotencyKey: string | null;
  tags: unknown;
  parentJobId: string | null;
  completionWebhook: string | null;
  /** Signs the completion callback; written, never read back by JOB_COLUMNS. */
  completionWebhookSecret?: string | null;
  workflowId?: string | null;
  dependencyMode?: string | null;
  dependenciesMet?: boolean | null;
}

/** A fair queue's key for a job being inserted (input row `i`, config `qc`); NULL in every other queue. */
const FAIRNESS_KEY_OF_NEW_JOB = `CASE WHEN jsonb_typeof(qc.settings -> 'fairness') = 'object'
  THEN COALESCE(i.payload::jsonb ->> (qc.settings -> 'fairness' ->> 'key_field'), $1) END`;

const ts = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/**
 * Inserts jobs in one statement (unnest), skipping idempotency-key conflicts. Returns the rows created.
 * Defaults for max_retries/timeout come from the queue's config when it has one, else from the server defaults.
 */
export async function insertJobs(
  q: Queryable,
  orgId: string,
  jobs: NewJob[],
  defaults: { maxRetries: number; timeoutSeconds: number },
): Promise<JobRow[]> {
  if (jobs.length === 0) return [];
  return q.query<JobRow>(
    `WITH input AS (
       SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::timestamptz[],
                            $9::timestamptz[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $19::text[])
         WITH ORDINALITY AS t(id, queue_name, payload, priority, max_retries, timeout_seconds, scheduled_at, expires_at,
                              idempotency_key, tags, parent_job_id, completion_webhook, workflow_id, dependency_mode, dependencies_met,
                              completion_webhook_secret, ord)
     ), changed AS (
       INSERT INTO jobs (id, organization_id, queue_name, status, payload, priority, max_retries, timeout_seconds, scheduled_at,
                         expires_at, idempotency_key, tags, parent_job_id, completion_webhook, workflow_id, dependency_mode, dependencies_met,
                         completion_webhook_secret, fairness_key)
       SELECT i.id, $1, i.queue_name,
              CASE WHEN i.scheduled_at > now() THEN 'scheduled' ELSE 'pending' END,
              i.payload::jsonb, i.priority,
              COALESCE(i.max_retries, qc.max_retries, $17), COALESCE(i.timeout_seconds, qc.default_timeout, $18),
              i.scheduled_at, i.expires_at, i.idempotency_key, i.tags::jsonb, i.parent_job_id, i.completion_webhook,
              i.workflow_id, i.dependency_mode, i.dependencies_met::bool, i.completion_webhook_secret,
              ${FAIRNESS_KEY_OF_NEW_JOB}
       FROM input i LEFT JOIN queue_config qc ON qc.organization_id = $1 AND qc.queue_name = i.queue_name
       ORDER BY i.ord
       ON CONFLICT (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING ${JOB_COLUMNS}
     )${recordEvents("'created'")}
     SELECT * FROM changed`,
    [
      orgId,
      jobs.map((j) => j.id),
      jobs.map((j) => j.queueName),
      jobs.map((j) => JSON.stringify(j.payload)),
      jobs.map((j) => j.priority),
      jobs.map((j) => j.maxRetries),
      jobs.map((j) => j.timeoutSeconds),
      jobs.map((j) => ts(j.scheduledAt)),
      jobs.map((j) => ts(j.expiresAt)),
      jobs.map((j) => j.idempotencyKey),
      jobs.map((j) => json(j.tags)),
      jobs.map((j) => j.parentJobId),
      jobs.map((j) => j.completionWebhook),
      jobs.map((j) => j.workflowId ?? null),
      jobs.map((j) => j.dependencyMode ?? null),
      // Sent as text: postgres.js binds a JS boolean array as a scalar boolean.
      jobs.map((j) => (j.dependenciesMet == null ? null : String(j.dependenciesMet))),
      defaults.maxRetries,
      defaults.timeoutSeconds,
      jobs.map((j) => j.completionWebhookSecret ?? null),
    ],
  );
}

export async function findIdsByIdempotencyKeys(q: Queryable, orgId: string, keys: string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await q.query<{ id: string; idempotency_key: string }>(
    "SELECT id, idempotency_key FROM jobs WHERE organization_id = $1 AND idempotency_key = ANY($2::text[])",
    [orgId, keys],
  );
  return new Map(rows.map((r) => [r.idempotency_key, r.id]));
}

export async function getJob(q: Queryable, orgId: string, id: string): Promise<JobRow | undefined> {
  const [row] = await q.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE organization_id = $1 AND id = $2`, [orgId, id]);
  return row;
}

export interface JobFilter {
  queueName?: string;
  status?: string;
  tag?: string;
  /** created_at >= createdAfter and < createdBefore (RFC 3339). */
  createdAfter?: string;
  createdBefore?: string;
  /** Text contained in the id or the idempotency key. */
  search?: string;
  limit: number;
  offset: number;
}

/** Tag filter matches an array element or an object key of `tags`. */
export async function listJobs(q: Queryable, orgId: string, f: JobFilter, onlyStatus?: string): Promise<JobRow[]> {
  return q.query<JobRow>(
    `SELECT ${JOB_COLUMNS} FROM jobs
     WHERE organization_id = $1
       AND ($2::text IS NULL OR queue_name = $2)
       AND ($3::text IS NULL OR status = $3)
       AND ($4::text IS NULL OR tags ? $4)
       AND ($7::timestamptz IS NULL OR created_at >= $7)
       AND ($8::timestamptz IS NULL OR created_at < $8)
       AND ($9::text IS NULL OR strpos(id, $9) > 0 OR strpos(idempotency_key, $9) > 0)
     ORDER BY created_at DESC, seq DESC
     LIMIT $5 OFFSET $6`,
    [orgId, f.queueName ?? null, onlyStatus ?? f.status ?? null, f.tag ?? null, f.limit, f.offset, f.createdAfter ?? null, f.createdBefore ?? null, f.search ?? null],
  );
}

export async function countByStatus(q: Queryable, orgId: string, queueName?: string): Promise<Record<string, number>> {
  const rows = await q.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM jobs WHERE organization_id = $1 AND ($2::text IS NULL OR queue_name = $2) GROUP BY status`,
    [orgId, queueName ?? null],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export async function getJobsByIds(q: Queryable, orgId: string, ids: string[]): Promise<JobRow[]> {
  return q.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE organization_id = $1 AND id = ANY($2::text[])`, [orgId, ids]);
}

/** Jobs of queue $2 of organization $1 a claim may take now, in claim order (priority, then FIFO). */
export const CLAIMABLE_IN_QUEUE = `WHERE organization_id = $1 AND queue_name = $2 AND status IN (${sqlStatuses(WAITING_STATUSES)})
         AND (scheduled_at IS NULL OR scheduled_at <= now())
         AND (expires_at IS NULL OR expires_at > now())
         AND dependencies_met IS NOT FALSE
         AND NOT EXISTS (SELECT 1 FROM queue_config qc WHERE qc.organization_id = $1 AND qc.queue_name = $2 AND NOT qc.enabled)
       ORDER BY priority DESC, created_at, seq`;

/**
 * Leases up to `limit` claimable jobs of one queue: priority first, then FIFO; SKIP LOCKED so that concurrent
 * claimers never block on or receive the same row. One round trip for the whole batch.
 */
export async function claimJobs(
  q: Queryable,
  orgId: string,
  queueName: string,
  workerId: string,
  limit: number,
  leaseSecs: number,
): Promise<JobRow[]> {
  const rows = await q.query<JobRow>(
    `WITH candidates AS (
       SELECT id FROM jobs
       ${CLAIMABLE_IN_QUEUE}
       LIMIT $3
       FOR UPDATE SKIP LOCKED
     ), changed AS (
       UPDATE jobs j SET status = 'processing', assigned_worker_id = $4, lease_id = gen_random_uuid()::text,
              lease_expires_at = now() + make_interval(secs => $5), started_at = COALESCE(j.started_at, now()), updated_at = now()
       FROM candidates c WHERE j.id = c.id
       RETURNING ${JOB_COLUMNS_OF_J}
     )${recordEvents("'claimed'", { worker: "assigned_worker_id", error: "NULL", detail: "jsonb_build_object('lease_id', lease_id, 'lease_expires_at', lease_expires_at)" })}
     SELECT * FROM changed`,
    [orgId, queueName, limit, workerId, leaseSecs],
  );
  return rows.sort((a, b) => b.priority - a.priority || +a.created_at - +b.created_at || a.seq - b.seq);
}

/**
 * Who may change a leased job: the worker holding its live lease (and, when leaseId is given, that very lease).
 * Every lease-fenced write checks it inside its own UPDATE, so no row lock or separate read is trusted.
 */
export interface LeaseGuard {
  orgId: string;
  jobId: string;
  workerId: string;
  /** The fencing token of the claim; null = any live lease of this worker. */
  leaseId: string | null;
}

/** The guard as a WHERE condition on `jobs` with parameters $1..$4 = orgId, jobId, workerId, leaseId. */
const GUARDED = `organization_id = $1 AND id = $2 AND status = 'processing' AND assigned_worker_id = $3
  AND lease_expires_at > now() AND ($4::text IS NULL OR lease_id = $4::text)`;
const guardParams = (g: LeaseGuard) => [g.orgId, g.jobId, g.workerId, g.leaseId];

/**
 * Completes many leased jobs in one statement (the batched completion extension, and group-committed single
 * completions of many workers). Only jobs that are processing, held by the item's worker with a live lease (and
 * the given lease_id, when one is sent) change.
 */
export async function completeLeasedJobs(
  q: Queryable,
  orgId: string,
  items: { id: string; workerId: string; leaseId: string | null; result: unknown }[],
): Promise<JobRow[]> {
  return q.query<JobRow>(
    `WITH input AS (
       SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, worker_id, lease_id, result)
     ), changed AS (
       UPDATE jobs j SET status = 'completed', result = i.result::jsonb, completed_at = now(), lease_id = NULL,
              lease_expires_at = NULL, updated_at = now()
       FROM input i
       WHERE j.id = i.id AND j.organization_id = $1 AND j.status = 'processing' AND j.assigned_worker_id = i.worker_id
         AND j.lease_expires_at > now() AND (i.lease_id IS NULL OR i.lease_id = j.lease_id)
       RETURNING ${JOB_COLUMNS_OF_J}
     )${recordEvents("'completed'", { worker: "assigned_worker_id", error: "NULL", detail: "NULL" })}
     SELECT * FROM changed`,
    [orgId, items.map((i) => i.id), items.map((i) => i.workerId), items.map((i) => i.leaseId), items.map((i) => json(i.result))],
  );
}

/**
 * A failed attempt of the guard's lease: back to pending after `delaySecs`, or to the dead-letter queue
 * (delaySecs null). Undefined when the guard does not hold.
 */
export async function markFailed(q: Queryable, guard: LeaseGuard, error: string, delaySecs: number | null): Promise<JobRow | undefined> {
  const [row] = await q.query<JobRow>(
    `WITH changed AS (
       UPDATE jobs SET status = CASE WHEN $6::float8 IS NULL THEN 'deadletter' ELSE 'pending' END,
              retry_count = retry_count + 1, last_error = $5,
              scheduled_at = CASE WHEN $6::float8 IS NULL THEN scheduled_at ELSE now() + make_interval(secs => $6::float8) END,
              lease_id = NULL, lease_expires_at = NULL, updated_at = now(),
              assigned_worker_id = CASE WHEN $6::float8 IS NULL THEN assigned_worker_id ELSE NULL END
       WHERE ${GUARDED} RETURNING ${JOB_COLUMNS}
     )${recordEvents("CASE WHEN status = 'deadletter' THEN 'deadlettered' ELSE 'failed' END", { worker: "$3::text", error: "$5", detail: "jsonb_build_object('retry_count', retry_count, 'max_retries', max_retries, 'next_attempt_at', CASE WHEN status = 'pending' THEN scheduled_at END)" })}
     SELECT * FROM changed`,
    [...guardParams(guard), error, delaySecs],
  );
  return row;
}

/** Extends the guard's lease to now + leaseSecs; undefined when the guard does not hold. */
export async function renewLease(q: Queryable, guard: LeaseGuard, leaseSecs: number): Promise<JobRow | undefined> {
  const [row] = await q.query<JobRow>(
    `UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $5), updated_at = now() WHERE ${GUARDED} RETURNING ${JOB_COLUMNS}`,
    [...guardParams(guard), leaseSecs],
  );
  return row;
}

export async function cancelJob(q: Queryable, orgId: string, id: string): Promise<JobRow | undefined> {
  const [row] = await q.query<JobRow>(
    `WITH changed AS (
       UPDATE jobs SET status = 'cancelled', completed_at = now(), updated_at = now()
       WHERE organization_id = $1 AND id = $2 AND status IN (${sqlStatuses(WAITING_STATUSES)}) RETURNING ${JOB_COLUMNS}
     )${recordEvents("'cancelled'")}
     SELECT * FROM changed`,
    [orgId, id],
  );
  return row;
}

/** Manual retry of a failed or dead-lettered job. */
export async function retryJob(q: Queryable, orgId: string, id: string): Promise<JobRow | undefined> {
  const [row] = await q.query<JobRow>(
    `WITH changed AS (
       UPDATE jobs SET status = 'pending', retry_count = retry_count + 1, last_error = NULL, scheduled_at = NULL,
              completed_at = NULL, assigned_worker_id = NULL, lease_id = NULL, lease_expires_at = NULL, updated_at = now()
       WHERE organization_id = $1 AND id = $2 AND status IN (${sqlStatuses(FAILED_STATUSES)}) RETURNING ${JOB_COLUMNS}
     )${recordEvents("'retried'")}
     SELECT * FROM changed`,
    [orgId, id],
  );
  return row;
}

export async function setPriority(q: Queryable, orgId: string, id: string, priority: number): Promise<{ old_priority: number; new_priority: number } | undefined> {
  const [row] = await q.query<{ old_priority: number; new_priority: number }>(
    `WITH old AS (SELECT id, priority FROM jobs WHERE organization_id = $1 AND id = $2 AND status IN (${sqlStatuses(WAITING_STATUSES)}) FOR UPDATE),
     changed AS (
       UPDATE jobs j SET priority = $3, updated_at = now() FROM old WHERE j.id = old.id
       RETURNING j.id, j.organization_id, j.queue_name, j.status, old.priority AS old_priority, j.priority AS new_priority
     )${recordEvents("'priority_changed'", { worker: "NULL", error: "NULL", detail: "jsonb_build_object('old_priority', old_priority, 'new_priority', new_priority)" })}
     SELECT old_priority, new_priority FROM changed`,
    [orgId, id, priority],
  );
  return row;
}

/** The error an expired lease leaves on its job, pending again or dead-lettered. */
export const LEASE_EXPIRED_ERROR = "lease expired";

/**
 * Expired leases, a batch at a time: each is a failed attempt (retry_count + 1) that goes back to pending after
 * the delay `delayFor` gives, or to the dead-letter queue when it gives null (out of retries). Bounded batches;
 * SKIP LOCKED makes it safe for several nodes to run at once.
 */
export async function reapExpiredLeases(
  q: Queryable,
  delayFor: (job: { retry_count: number; max_retries: number }) => number | null,
  batch = 500,
): Promise<JobRow[]> {
  const expired = await q.query<{ id: string; retry_count: number; max_retries: number }>(
    `SELECT id, retry_count, max_retries FROM jobs WHERE status = 'processing' AND lease_expires_at < now()
     ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [batch],
  );
  if (expired.length === 0) return [];
  return q.query<JobRow>(
    `WITH decided AS (
       SELECT * FROM unnest($1::text[], $2::float8[]) AS d(id, delay_secs)
     ), changed AS (
       UPDATE jobs j SET
         status = CASE WHEN d.delay_secs IS NULL THEN 'deadletter' ELSE 'pending' END,
         last_error = $3,
         retry_count = j.retry_count + 1, lease_id = NULL, lease_expires_at = NULL, updated_at = now(),
         scheduled_at = CASE WHEN d.delay_secs IS NULL THEN j.scheduled_at ELSE now() + make_interval(secs => d.delay_secs) END,
         assigned_worker_id = CASE WHEN d.delay_secs IS NULL THEN j.assigned_worker_id ELSE NULL END
       FROM decided d WHERE j.id = d.id
       RETURNING ${JOB_COLUMNS_OF_J}
     )${recordEvents("CASE WHEN status = 'deadletter' THEN 'deadlettered' ELSE 'lease_expired' END", { worker: "NULL", error: "last_error", detail: "jsonb_build_object('retry_count', retry_count, 'max_retries', max_retries, 'next_attempt_at', CASE WHEN status = 'pending' THEN scheduled_at END)" })}
     SELECT * FROM changed`,
    [expired.map((j) => j.id), expired.map((j) => delayFor(j)), LEASE_EXPIRED_ERROR],
  );
}

export async function jobHistory(q: Queryable, orgId: string, jobId: string, limit: number, offset: number): Promise<JobEventRow[]> {
  return q.query<JobEventRow>(
    `SELECT id, job_id, queue_name, event, status, worker_id, error, detail, created_at FROM job_events
     WHERE organization_id = $1 AND job_id = $2 ORDER BY id LIMIT $3 OFFSET $4`,
    [orgId, jobId, limit, offset],
  );
}

// ---- dead-letter queue ----------------------------------------------------------------------------------

export async function retryDeadLetters(q: Queryable, orgId: string, sel: { jobIds?: string[]; queueName?: string; limit: number }): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `WITH chosen AS (
       SELECT id FROM jobs WHERE organization_id = $1 AND status = 'deadletter'
         AND ($2::text[] IS NULL OR id = ANY($2::text[])) AND ($3::text IS NULL OR queue_name = $3)
       ORDER BY created_at, seq LIMIT $4 FOR UPDATE SKIP LOCKED
     ), changed AS (
       UPDATE jobs j SET status = 'pending', retry_count = 0, last_error = NULL, scheduled_at = NULL, completed_at = NULL,
              assigned_worker_id = NULL, lease_id = NULL, lease_expires_at = NULL, updated_at = now()
       FROM chosen c WHERE j.id = c.id RETURNING j.id, j.organization_id, j.queue_name, j.status
     )${recordEvents("'dlq_retried'")}
     SELECT id FROM changed`,
    [orgId, sel.jobIds ?? null, sel.queueName ?? null, sel.limit],
  );
  return rows.map((r) => r.id);
}

export async function purgeDeadLetters(q: Queryable, orgId: string, sel: { queueName?: string; olderThan?: Date; limit: number }): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `WITH chosen AS (
       SELECT id FROM jobs WHERE organization_id = $1 AND status = 'deadletter'
         AND ($2::text IS NULL OR queue_name = $2) AND ($3::timestamptz IS NULL OR created_at < $3)
       ORDER BY created_at LIMIT $4 FOR UPDATE SKIP LOCKED
     ), purged AS (DELETE FROM jobs j USING chosen c WHERE j.id = c.id RETURNING j.id)
     SELECT count(*)::int AS n FROM purged`,
    [orgId, sel.queueName ?? null, ts(sel.olderThan), sel.limit],
  );
  return row?.n ?? 0;
}

/** Due `scheduled` jobs become `pending` (claims accept either; this keeps listings and stats truthful). */
export async function activateDueScheduled(q: Queryable, batch = 1000): Promise<number> {
  const rows = await q.query<JobRow>(
    `WITH due AS (
       SELECT id FROM jobs WHERE status = 'scheduled' AND scheduled_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED
     ), changed AS (
       UPDATE jobs j SET status = 'pending', updated_at = now() FROM due WHERE j.id = due.id
       RETURNING j.id, j.organization_id, j.queue_name, j.status
     )${recordEvents("'activated'")}
     SELECT id FROM changed`,
    [batch],
  );
  return rows.length;
}

/**
 * Returns the jobs a worker holds to the queue. A clean goodbye (deregister, stream closed) does not use up an
 * attempt; a worker that went silent does, and is dead-lettered when out of attempts.
 */
export async function releaseWorkerJobs(q: Queryable, orgId: string, workerId: string, how: { countAttempt: boolean; error: string | null; exhaustedError?: string }): Promise<JobRow[]> {
  return q.query<JobRow>(
    `WITH held AS (
       SELECT id FROM jobs WHERE organization_id = $1 AND assigned_worker_id = $2 AND status = 'processing' FOR UPDATE
     ), changed AS (
       UPDATE jobs j SET
         status = CASE WHEN $3::bool AND NOT (${attemptsLeftSql("j")}) THEN 'deadletter' ELSE 'pending' END,
         last_error = CASE WHEN NOT $3::bool THEN j.last_error WHEN NOT (${attemptsLeftSql("j")}) THEN $5 ELSE $4 END,
         retry_count = j.retry_count + CASE WHEN $3::bool THEN 1 ELSE 0 END,
         assigned_worker_id = CASE WHEN $3::bool AND NOT (${attemptsLeftSql("j")}) THEN j.assigned_worker_id ELSE NULL END,
         lease_id = NULL, lease_expires_at = NULL, updated_at = now()
       FROM held WHERE j.id = held.id
       RETURNING ${JOB_COLUMNS_OF_J}
     )${recordEvents("CASE WHEN status = 'deadletter' THEN 'deadlettered' ELSE 'released' END", { worker: "$2::text", error: "last_error", detail: "CASE WHEN $3::bool THEN jsonb_build_object('retry_count', retry_count, 'max_retries', max_retries) END" })}
     SELECT * FROM changed`,
    [orgId, workerId, how.countAttempt, how.error, how.exhaustedError ?? how.error],
  );
}

/**
 * Hands a leased job back without spending an attempt: pending again after `delaySecs` (a destination's circuit
 * is open or at its concurrency cap, so the attempt was never made).
 */
export async function deferLeasedJob(q: Queryable, guard: LeaseGuard, delaySecs: number, reason: string): Promise<JobRow | undefined> {
  const [row] = await q.query<JobRow>(
    `WITH changed AS (
       UPDATE jobs SET status = 'pending', scheduled_at = now() + make_interval(secs => $5::float8), assigned_worker_id = NULL,
              lease_id = NULL, lease_expires_at = NULL, updated_at = now()
       WHERE ${GUARDED} RETURNING ${JOB_COLUMNS}
     )${recordEvents("'released'", { worker: "NULL", error: "NULL", detail: "jsonb_build_object('reason', $6::text, 'next_attempt_at', scheduled_at)" })}
     SELECT * FROM changed`,
    [...guardParams(guard), delaySecs, reason],
  );
  return row;
}
