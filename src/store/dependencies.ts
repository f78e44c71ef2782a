import { sqlStatuses, UNSUCCESSFUL_STATUSES, WAITING_STATUSES, type JobStatus } from "../domain/job-states";
import type { Queryable } from "../db/types";
import { JOB_COLUMNS_OF_J, recordEvents, type JobRow } from "./jobs";

/** Statuses from which a job will never complete: a dependency in one of them is unsatisfiable. */
const DEAD = `(${sqlStatuses(UNSUCCESSFUL_STATUSES)})`;

export interface Edge {
  jobId: string;
  dependsOn: string;
}

/** Adds edges (job runs after dependsOn); existing edges are kept. Returns the edges actually added. */
export async function insertEdges(q: Queryable, edges: Edge[]): Promise<Edge[]> {
  if (edges.length === 0) return [];
  const rows = await q.query<{ job_id: string; depends_on_job_id: string }>(
    `INSERT INTO job_dependencies (job_id, depends_on_job_id)
     SELECT * FROM unnest($1::text[], $2::text[])
     ON CONFLICT DO NOTHING RETURNING job_id, depends_on_job_id`,
    [edges.map((e) => e.jobId), edges.map((e) => e.dependsOn)],
  );
  return rows.map((r) => ({ jobId: r.job_id, dependsOn: r.depends_on_job_id }));
}

/**
 * Share-locks jobs that are about to become someone's dependency, so that a concurrent completion or failure of
 * one of them either commits before our evaluation reads it, or waits until our new edges are visible to it.
 */
export async function lockAsDependencies(q: Queryable, orgId: string, ids: string[]): Promise<{ id: string; status: string }[]> {
  if (ids.length === 0) return [];
  return q.query(`SELECT id, status FROM jobs WHERE organization_id = $1 AND id = ANY($2::text[]) ORDER BY id FOR SHARE`, [orgId, ids]);
}

/**
 * Locks (in id order, so concurrent callers never deadlock) the still-waiting jobs that depend on any of `ids`.
 * A separate statement from the evaluation on purpose: once the lock is granted, the next statement's snapshot
 * sees every concurrent transition of their other dependencies that committed meanwhile.
 */
export async function lockWaitingDependents(q: Queryable, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await q.query<{ id: string }>(
    `SELECT j.id FROM jobs j
     WHERE j.status IN (${sqlStatuses(WAITING_STATUSES)})
       AND j.id IN (SELECT job_id FROM job_dependencies WHERE depends_on_job_id = ANY($1::text[]))
     ORDER BY j.id FOR UPDATE`,
    [ids],
  );
  return rows.map((r) => r.id);
}

/** Per waiting job: met (mode all: every dependency completed; any: one did) and doomed (can never be met). */
const EVALUATION = `
  evaluation AS (
    SELECT j.id,
      CASE WHEN j.dependency_mode = 'any' THEN bool_or(p.status = 'completed') ELSE bool_and(p.status = 'completed') END AS met,
      CASE WHEN j.dependency_mode = 'any' THEN bool_and(p.status IN ${DEAD}) ELSE bool_or(p.status IN ${DEAD}) END AS doomed
    FROM jobs j
    JOIN job_dependencies d ON d.job_id = j.id
    JOIN jobs p ON p.id = d.depends_on_job_id
    WHERE j.id = ANY($1::text[]) AND j.status IN (${sqlStatuses(WAITING_STATUSES)})
    GROUP BY j.id, j.dependency_mode
  )`;

/**
 * Brings dependencies_met of waiting jobs in line with their dependencies. A job that becomes runnable gets a
 * `dependencies_met` history row, whose NOTIFY wakes idle claimers of its queue on every node at commit.
 */
export async function refreshDependenciesMet(q: Queryable, ids: string[]): Promise<JobRow[]> {
  if (ids.length === 0) return [];
  return q.query(
    `WITH ${EVALUATION}, changed AS (
       UPDATE jobs j SET dependencies_met = e.met, updated_at = now()
       FROM evaluation e
       WHERE j.id = e.id AND NOT e.doomed AND j.dependencies_met IS DISTINCT FROM e.met
       RETURNING ${JOB_COLUMNS_OF_J}
     )${recordEvents("CASE WHEN dependencies_met THEN 'dependencies_met' ELSE 'dependencies_pending' END")}
     SELECT * FROM changed`,
    [ids],
  );
}

/** Cancels waiting jobs whose dependencies can no longer be met, in the statement that records it. */
export async function cancelDoomed(q: Queryable, ids: string[], reason: string): Promise<JobRow[]> {
  if (ids.length === 0) return [];
  return q.query(
    `WITH ${EVALUATION}, changed AS (
       UPDATE jobs j SET status = 'cancelled', last_error = $2, completed_at = now(), updated_at = now()
       FROM evaluation e
       WHERE j.id = e.id AND e.doomed
       RETURNING ${JOB_COLUMNS_OF_J}
     )${recordEvents("'cancelled'", { worker: "NULL", error: "last_error", detail: `jsonb_build_object('reason', 'dependency_failed')` })}
     SELECT * FROM changed`,
    [ids, reason],
  );
}

/** Of `candidates`, those from which `jobId` is reachable by following dependency edges (adding them would close a cycle). */
export async function wouldCloseCycle(q: Queryable, jobId: string, candidates: string[]): Promise<Set<string>> {
  if (candidates.length === 0) return new Set();
  const rows = await q.query<{ root: string }>(
    `WITH RECURSIVE reach(root, id) AS (
       SELECT c, c FROM unnest($1::text[]) AS c
       UNION
       SELECT r.root, d.depends_on_job_id FROM reach r JOIN job_dependencies d ON d.job_id = r.id
     )
     SELECT DISTINCT root FROM reach WHERE id = $2`,
    [candidates, jobId],
  );
  return new Set(rows.map((r) => r.root));
}

/** A job another job waits for, as listed on the waiting job. */
export type DependencyRow = { job_id: string; queue_name: string; status: JobStatus; created_at: Date };
/** A job waiting for the given one. */
export type DependentRow = DependencyRow & { dependency_mode: string | null };

/** Sets the dependency mode of a job (all / any). */
export async function setDependencyMode(q: Queryable, jobId: string, mode: string): Promise<void> {
  await q.query(`UPDATE jobs SET dependency_mode = $2, updated_at = now() WHERE id = $1`, [jobId, mode]);
}

/** The jobs `jobId` waits for, with their queue and status. */
export async function dependenciesOf(q: Queryable, jobId: string): Promise<DependencyRow[]> {
  return q.query(
    `SELECT p.id AS job_id, p.queue_name, p.status, d.created_at FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on_job_id
     WHERE d.job_id = $1 ORDER BY d.created_at, p.seq`,
    [jobId],
  );
}

/** The jobs waiting for `jobId`, with their queue, status and mode. */
export async function dependentsOf(q: Queryable, jobId: string): Promise<DependentRow[]> {
  return q.query(
    `SELECT c.id AS job_id, c.queue_name, c.status, c.dependency_mode, d.created_at FROM job_dependencies d JOIN jobs c ON c.id = d.job_id
     WHERE d.depends_on_job_id = $1 ORDER BY d.created_at, c.seq`,
    [jobId],
  );
}
