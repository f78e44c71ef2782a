import { sqlStatuses, FAILED_STATUSES, WAITING_STATUSES } from "../domain/job-states";
import type { Queryable } from "../db/types";
import type { Position, StoredEvent } from "../domain/realtime-events";

export type { Position, StoredEvent };

const JOB_BRANCH = `
  SELECT 'job' AS source, e.id, e.txid, e.organization_id, e.queue_name, e.job_id, e.event AS kind, e.status,
         prev.status AS old_status, e.worker_id, e.error, e.detail AS data, e.created_at,
         j.priority, j.retry_count, j.started_at, j.completed_at, j.result
  FROM job_events e
  LEFT JOIN jobs j ON j.id = e.job_id
  LEFT JOIN LATERAL (
    SELECT p.status FROM job_events p WHERE p.job_id = e.job_id AND p.id < e.id ORDER BY p.id DESC LIMIT 1
  ) prev ON true`;

const DOMAIN_BRANCH = `
  SELECT 'domain' AS source, d.id, d.txid, d.organization_id, d.queue_name, d.job_id, d.type AS kind, NULL::text AS status,
         NULL::text AS old_status, NULL::text AS worker_id, NULL::text AS error, d.data, d.created_at,
         NULL::int AS priority, NULL::int AS retry_count, NULL::timestamptz AS started_at, NULL::timestamptz AS completed_at,
         NULL::jsonb AS result
  FROM domain_events d`;

const after = (alias: string) => `(${alias}.txid, ${alias}.id) > ($1::text::xid8, $2::bigint)`;
const upTo = (alias: string) => `(${alias}.txid, ${alias}.id) <= ($3::text::xid8, $4::bigint)`;

/**
 * Both tables merged in position order. `where` adds conditions per branch (aliases e and d); the limit is $5
 * in bounded reads and $3 in the tailer's read.
 */
function mergedRead(jobWhere: string, domainWhere: string, limitParam: string, extraSelect = "") {
  return `SELECT u.*, u.txid::text::bigint AS tx${extraSelect} FROM (
      (${JOB_BRANCH} WHERE ${jobWhere} ORDER BY e.txid, e.id LIMIT ${limitParam})
      UNION ALL
      (${DOMAIN_BRANCH} WHERE ${domainWhere} ORDER BY d.txid, d.id LIMIT ${limitParam})
    ) u ORDER BY u.txid, u.id LIMIT ${limitParam}`;
}

const TAILER_READ = mergedRead(after("e"), after("d"), "$3", ", u.txid < pg_snapshot_xmin(pg_current_snapshot()) AS safe");

/**
 * The node tailer's read: every event after `from`, in position order, each marked safe or not. Only a prefix of
 * safe rows may be delivered; an unsafe row waits until the older transactions it might precede have finished.
 */
export async function readEventsAfter(q: Queryable, from: Position, limit: number): Promise<StoredEvent[]> {
  return q.query<StoredEvent>(TAILER_READ, [String(from.tx), from.id, limit]);
}

const ORG_READ = mergedRead(
  `${after("e")} AND ${upTo("e")} AND e.organization_id = $6 AND ($7::text IS NULL OR e.queue_name = $7)`,
  `${after("d")} AND ${upTo("d")} AND d.organization_id = $6 AND ($7::text IS NULL OR d.queue_name = $7)`,
  "$5",
);
const JOB_READ = mergedRead(
  `e.job_id = $6 AND ${after("e")} AND ${upTo("e")}`,
  `d.job_id = $6 AND ${after("d")} AND ${upTo("d")}`,
  "$5",
);

/** A subscriber's catch-up: events of one organization (optionally one queue, or one job) in (from, to]. */
export async function readEventsBetween(
  q: Queryable,
  from: Position,
  to: Position,
  filter: { orgId: string; queueName?: string; jobId?: string },
  limit: number,
): Promise<StoredEvent[]> {
  const bounds = [String(from.tx), from.id, String(to.tx), to.id, limit];
  const rows = filter.jobId
    ? await q.query<StoredEvent>(JOB_READ, [...bounds, filter.jobId])
    : await q.query<StoredEvent>(ORG_READ, [...bounds, filter.orgId, filter.queueName ?? null]);
  return filter.jobId ? rows.filter((r) => r.organization_id === filter.orgId) : rows;
}

/**
 * The position just before every row that is not final yet: all rows of finished transactions are at or before
 * it. A tailer starting here delivers exactly the events committed from now on.
 */
export async function currentHorizon(q: Queryable): Promise<Position> {
  const [row] = await q.query<{ tx: number }>("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1 AS tx");
  return { tx: row!.tx, id: Number.MAX_SAFE_INTEGER };
}

/** The position of an event id (a client's Last-Event-ID), or of the first retained event after it. */
export async function positionOfEvent(q: Queryable, id: number): Promise<{ position: Position; exact: boolean } | undefined> {
  const [row] = await q.query<{ tx: number; id: number }>(
    `SELECT tx, id FROM (
       (SELECT txid::text::bigint AS tx, id FROM job_events WHERE id >= $1 ORDER BY id LIMIT 1)
       UNION ALL
       (SELECT txid::text::bigint AS tx, id FROM domain_events WHERE id >= $1 ORDER BY id LIMIT 1)
     ) u ORDER BY id LIMIT 1`,
    [id],
  );
  if (!row) return undefined;
  // A pruned or unknown id: start just before the first later event's transaction, repeating rather than skipping.
  return row.id === id ? { position: { tx: row.tx, id: row.id }, exact: true } : { position: { tx: row.tx - 1, id: Number.MAX_SAFE_INTEGER }, exact: false };
}

/** The newest event of a job (its current status for a first observation). */
export async function latestJobEvent(q: Queryable, orgId: string, jobId: string): Promise<{ id: number; tx: number; status: string } | undefined> {
  const [row] = await q.query<{ id: number; tx: number; status: string }>(
    `SELECT id, txid::text::bigint AS tx, status FROM job_events WHERE job_id = $1 AND organization_id = $2 ORDER BY id DESC LIMIT 1`,
    [jobId, orgId],
  );
  return row;
}

export interface NewDomainEvent {
  orgId: string;
  type: string;
  queueName: string | null;
  jobId: string | null;
  data: Record<string, unknown>;
}

export async function insertDomainEvent(q: Queryable, e: NewDomainEvent): Promise<void> {
  await q.query(
    "INSERT INTO domain_events (organization_id, type, queue_name, job_id, data) VALUES ($1, $2, $3, $4, $5::text::jsonb)",
    [e.orgId, e.type, e.queueName, e.jobId, JSON.stringify(e.data)],
  );
}

/** Drops old domain events in batches; frequent, self-describing ones (heartbeats) are kept for less time. */
export async function pruneDomainEvents(q: Queryable, keepSecs: number, keepFrequentSecs: number, frequentTypes: string[], batch = 5000): Promise<number> {
  const rows = await q.query<{ n: number }>(
    `WITH old AS (
       SELECT id FROM domain_events
       WHERE created_at < now() - make_interval(secs => $1::float8)
          OR (type = ANY($3::text[]) AND created_at < now() - make_interval(secs => $2::float8))
       LIMIT $4
     ), gone AS (DELETE FROM domain_events d USING old WHERE d.id = old.id RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [keepSecs, keepFrequentSecs, frequentTypes, batch],
  );
  return rows[0]?.n ?? 0;
}

/** Counts of one queue's jobs by the buckets of the QueueStats event. */
export async function queueCounts(q: Queryable, orgId: string, queueName: string): Promise<{ pending: number; processing: number; completed: number; failed: number }> {
  const [row] = await q.query<{ pending: number; processing: number; completed: number; failed: number }>(
    `SELECT count(*) FILTER (WHERE status IN (${sqlStatuses(WAITING_STATUSES)}))::int AS pending,
            count(*) FILTER (WHERE status = 'processing')::int AS processing,
            count(*) FILTER (WHERE status = 'completed')::int AS completed,
            count(*) FILTER (WHERE status IN (${sqlStatuses(FAILED_STATUSES)}))::int AS failed
     FROM jobs WHERE organization_id = $1 AND queue_name = $2`,
    [orgId, queueName],
  );
  return row ?? { pending: 0, processing: 0, completed: 0, failed: 0 };
}

export const databaseAnswers = (q: Queryable): Promise<boolean> => q.query("SELECT 1").then(() => true, () => false);
