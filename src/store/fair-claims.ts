import type { JobRow } from "./jobs";
import { sqlStatuses, WAITING_STATUSES } from "../domain/job-states";
import type { Queryable } from "../db/types";
import { JOB_COLUMNS_OF_J, recordEvents } from "./jobs";

/** The fairness settings of a queue, or undefined when its claims are plain. */
export async function queueFairness(q: Queryable, orgId: string, queueName: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await q.query<{ fairness: Record<string, unknown> | null }>(
    "SELECT settings -> 'fairness' AS fairness FROM queue_config WHERE organization_id = $1 AND queue_name = $2",
    [orgId, queueName],
  );
  const f = row?.fairness;
  return f && typeof f === "object" && !Array.isArray(f) ? f : undefined;
}

/**
 * Gives keyless claimable jobs of a fair queue their key (jobs enqueued before fairness was turned on, or while it
 * was being turned on), at most `limit` of them.
 */
export async function assignFairnessKeys(q: Queryable, orgId: string, queueName: string, keyField: string | null, limit: number): Promise<number> {
  const rows = await q.query(
    `WITH keyless AS (
       SELECT id FROM jobs WHERE organization_id = $1 AND queue_name = $2 AND status IN (${sqlStatuses(WAITING_STATUSES)}) AND fairness_key IS NULL
       LIMIT $4 FOR UPDATE SKIP LOCKED
     )
     UPDATE jobs j SET fairness_key = COALESCE(j.payload ->> $3::text, j.organization_id) FROM keyless k WHERE j.id = k.id RETURNING j.id`,
    [orgId, queueName, keyField, limit],
  );
  return rows.length;
}

/** One step of the walk over distinct keys (a loose index scan on jobs_fair_claimable). */
const nextKeyAfter = (bound: string) => `(SELECT fairness_key FROM jobs
    WHERE organization_id = $1 AND queue_name = $2 AND status IN (${sqlStatuses(WAITING_STATUSES)}) AND fairness_key IS NOT NULL AND fairness_key ${bound}
    ORDER BY fairness_key LIMIT 1)`;

/**
 * Up to `maxKeys` keys with claimable jobs, in key order starting after `afterKey` and wrapping around, of which
 * only those whose per-key transaction lock this transaction gets are returned. The lock (an advisory lock on
 * the key, held to commit) makes the per-key concurrency count exact, and a key another claimer holds is skipped,
 * like SKIP LOCKED does for rows: there is no lock on the queue as a whole.
 */
export async function lockFairKeys(q: Queryable, orgId: string, queueName: string, afterKey: string, maxKeys: number): Promise<string[]> {
  const rows = await q.query<{ k: string }>(
    `WITH RECURSIVE after_cursor(k) AS (
       ${nextKeyAfter("> $3")}
       UNION ALL
       SELECT ${nextKeyAfter("> a.k")} FROM after_cursor a WHERE a.k IS NOT NULL
     ), from_start(k) AS (
       ${nextKeyAfter(">= ''")}
       UNION ALL
       SELECT ${nextKeyAfter("> s.k")} FROM from_start s WHERE s.k IS NOT NULL AND s.k <= $3
     ), walk AS (
       (SELECT k FROM after_cursor WHERE k IS NOT NULL)
       UNION ALL
       (SELECT k FROM from_start WHERE k IS NOT NULL AND k <= $3)
     ), considered AS (SELECT k FROM walk LIMIT $4)
     SELECT k FROM considered WHERE pg_try_advisory_xact_lock(hashtextextended($1 || chr(31) || $2 || chr(31) || k, 7415))`,
    [orgId, queueName, afterKey, maxKeys],
  );
  return rows.map((r) => r.k);
}

/**
 * Claims up to `limit` jobs from the locked keys, round robin: every key's first job, then every key's second,
 * and so on (keys in the given order), each key taking at most `perKeyCap` minus its running jobs. Runs as its
 * own statement after lockFairKeys, so its snapshot sees every claim committed before the locks were taken.
 */
export async function claimFromKeys(
  q: Queryable,
  orgId: string,
  queueName: string,
  keys: string[],
  workerId: string,
  limit: number,
  leaseSecs: number,
  perKeyCap: number,
): Promise<JobRow[]> {
  if (keys.length === 0) return [];
  return q.query(
    `WITH keys AS (SELECT k, ord FROM unnest($3::text[]) WITH ORDINALITY AS t(k, ord)),
     running AS (
       SELECT fairness_key AS k, count(*)::int AS n FROM jobs
       WHERE organization_id = $1 AND queue_name = $2 AND status = 'processing' AND fairness_key = ANY($3::text[])
       GROUP BY fairness_key
     ), locked AS (
       SELECT c.id, c.priority, c.created_at, c.seq, keys.ord FROM keys LEFT JOIN running r ON r.k = keys.k
       CROSS JOIN LATERAL (
         SELECT id, priority, created_at, seq FROM jobs
         WHERE organization_id = $1 AND queue_name = $2 AND fairness_key = keys.k AND status IN (${sqlStatuses(WAITING_STATUSES)})
           AND (scheduled_at IS NULL OR scheduled_at <= now())
           AND (expires_at IS NULL OR expires_at > now())
           AND dependencies_met IS NOT FALSE
         ORDER BY priority DESC, created_at, seq
         LIMIT GREATEST(0, LEAST($4::int, $7::int - COALESCE(r.n, 0)))
         FOR UPDATE SKIP LOCKED
       ) c
       WHERE NOT EXISTS (SELECT 1 FROM queue_config qc WHERE qc.organization_id = $1 AND qc.queue_name = $2 AND NOT qc.enabled)
     ), chosen AS (
       SELECT id FROM (
         SELECT id, ord, row_number() OVER (PARTITION BY ord ORDER BY priority DESC, created_at, seq) AS turn FROM locked
       ) t ORDER BY turn, ord LIMIT $4
     ), changed AS (
       UPDATE jobs j SET status = 'processing', assigned_worker_id = $5, lease_id = gen_random_uuid()::text,
              lease_expires_at = now() + make_interval(secs => $6), started_at = COALESCE(j.started_at, now()), updated_at = now()
       FROM chosen c WHERE j.id = c.id
       RETURNING ${JOB_COLUMNS_OF_J}, j.fairness_key
     )${recordEvents("'claimed'", { worker: "assigned_worker_id", error: "NULL", detail: "jsonb_build_object('lease_id', lease_id, 'lease_expires_at', lease_expires_at, 'fairness_key', fairness_key)" })}
     SELECT * FROM changed`,
    [orgId, queueName, keys, limit, workerId, leaseSecs, perKeyCap],
  );
}
