import { sqlStatuses, ACTIVE_STATUSES, FAILED_STATUSES, UNSUCCESSFUL_STATUSES, WAITING_STATUSES } from "../domain/job-states";
import type { Queryable } from "../db/types";
import { JOB_COLUMNS, JOB_COLUMNS_OF_J, recordEvents, type JobRow } from "./jobs";

const WORKFLOW_COLUMNS = `id, organization_id, name, description, status, total_jobs, completed_jobs, failed_jobs, metadata,
  created_at, started_at, completed_at, updated_at`;

/** A workflow as WORKFLOW_COLUMNS reads it. */
export type WorkflowRow = {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  status: string;
  total_jobs: number;
  completed_jobs: number;
  failed_jobs: number;
  metadata: unknown;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  updated_at: Date;
};

/** A job of a workflow, with its key in the workflow and the ids it depends on. */
export type WorkflowJobRow = JobRow & { job_key: string | null; depends_on: string[] };

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

export async function insertWorkflow(
  q: Queryable,
  w: { id: string; orgId: string; name: string; description: string | null; metadata: unknown; totalJobs: number },
): Promise<void> {
  await q.query(
    `INSERT INTO workflows (id, organization_id, name, description, metadata, total_jobs) VALUES ($1, $2, $3, $4, $5::text::jsonb, $6)`,
    [w.id, w.orgId, w.name, w.description, json(w.metadata), w.totalJobs],
  );
}

export async function insertWorkflowKeys(q: Queryable, workflowId: string, keys: { jobId: string; key: string }[]): Promise<void> {
  await q.query(
    `INSERT INTO workflow_jobs (job_id, workflow_id, job_key) SELECT j, $1, k FROM unnest($2::text[], $3::text[]) AS t(j, k)`,
    [workflowId, keys.map((k) => k.jobId), keys.map((k) => k.key)],
  );
}

export async function getWorkflow(q: Queryable, orgId: string, id: string): Promise<WorkflowRow | undefined> {
  const [row] = await q.query<WorkflowRow>(`SELECT ${WORKFLOW_COLUMNS} FROM workflows WHERE organization_id = $1 AND id = $2`, [orgId, id]);
  return row;
}

export async function listWorkflows(q: Queryable, orgId: string, f: { status?: string; limit: number; offset: number }): Promise<WorkflowRow[]> {
  return q.query<WorkflowRow>(
    `SELECT ${WORKFLOW_COLUMNS} FROM workflows WHERE organization_id = $1 AND ($2::text IS NULL OR status = $2)
     ORDER BY created_at DESC, seq DESC LIMIT $3 OFFSET $4`,
    [orgId, f.status ?? null, f.limit, f.offset],
  );
}

/**
 * Recomputes status and counters of workflows from their jobs. The rows are locked first, in a statement of
 * their own, so that concurrent transitions in one workflow take turns and the count reads every committed one.
 * A cancelled workflow stays cancelled; `completed` needs every job completed, `failed` means nothing can run
 * any more and something did not complete.
 */
export async function recomputeWorkflows(q: Queryable, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await q.query(`SELECT id FROM workflows WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, [ids]);
  await q.query(
    `WITH counts AS (
       SELECT workflow_id,
              count(*)::int AS total,
              count(*) FILTER (WHERE status = 'completed')::int AS completed,
              count(*) FILTER (WHERE status IN (${sqlStatuses(FAILED_STATUSES)}))::int AS failed,
              count(*) FILTER (WHERE status IN (${sqlStatuses(ACTIVE_STATUSES)}))::int AS active,
              count(*) FILTER (WHERE status NOT IN (${sqlStatuses(WAITING_STATUSES)}))::int AS touched
       FROM jobs WHERE workflow_id = ANY($1::text[]) GROUP BY workflow_id
     )
     UPDATE workflows w SET
       total_jobs = c.total, completed_jobs = c.completed, failed_jobs = c.failed,
       started_at = CASE WHEN c.touched > 0 THEN COALESCE(w.started_at, now()) ELSE w.started_at END,
       status = CASE
         WHEN w.status = 'cancelled' THEN 'cancelled'
         WHEN c.active > 0 THEN CASE WHEN c.touched > 0 OR w.started_at IS NOT NULL THEN 'running' ELSE 'pending' END
         WHEN c.completed = c.total THEN 'completed'
         ELSE 'failed' END,
       completed_at = CASE
         WHEN w.status = 'cancelled' THEN w.completed_at
         WHEN c.active > 0 THEN NULL
         ELSE COALESCE(w.completed_at, now()) END,
       updated_at = now()
     FROM counts c WHERE w.id = c.workflow_id`,
    [ids],
  );
}

/** Cancelled is terminal; a workflow that completed meanwhile stays completed. */
export async function markCancelled(q: Queryable, id: string): Promise<void> {
  await q.query(
    `UPDATE workflows SET status = 'cancelled', completed_at = COALESCE(completed_at, now()), updated_at = now() WHERE id = $1 AND status <> 'completed'`,
    [id],
  );
}

/** Workflow cancel: every job that has not started yet is cancelled (running ones finish). */
export async function cancelWaitingJobs(q: Queryable, workflowId: string): Promise<JobRow[]> {
  return q.query(
    `WITH changed AS (
       UPDATE jobs SET status = 'cancelled', completed_at = now(), updated_at = now()
       WHERE workflow_id = $1 AND status IN (${sqlStatuses(WAITING_STATUSES)}) RETURNING ${JOB_COLUMNS}
     )${recordEvents("'cancelled'", { worker: "NULL", error: "NULL", detail: `jsonb_build_object('reason', 'workflow_cancelled')` })}
     SELECT * FROM changed`,
    [workflowId],
  );
}

/**
 * Workflow retry: failed, dead-lettered and cancelled jobs start over with a fresh attempt budget. Whether each
 * one's dependencies are met is decided from the statuses before this statement, which is right: the jobs being
 * reset were not completed before and are not completed after.
 */
export async function resetUnfinishedJobs(q: Queryable, workflowId: string): Promise<JobRow[]> {
  return q.query(
    `WITH met AS (
       SELECT j.id,
         CASE WHEN NOT EXISTS (SELECT 1 FROM job_dependencies d WHERE d.job_id = j.id) THEN true
              WHEN j.dependency_mode = 'any' THEN EXISTS (
                SELECT 1 FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on_job_id WHERE d.job_id = j.id AND p.status = 'completed')
              ELSE NOT EXISTS (
                SELECT 1 FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on_job_id WHERE d.job_id = j.id AND p.status <> 'completed')
         END AS met
       FROM jobs j WHERE j.workflow_id = $1 AND j.status IN (${sqlStatuses(UNSUCCESSFUL_STATUSES)})
       FOR UPDATE OF j
     ), changed AS (
       UPDATE jobs j SET status = 'pending', retry_count = 0, last_error = NULL, scheduled_at = NULL, completed_at = NULL,
              assigned_worker_id = NULL, lease_id = NULL, lease_expires_at = NULL, dependencies_met = m.met, updated_at = now()
       FROM met m WHERE j.id = m.id
       RETURNING ${JOB_COLUMNS_OF_J}
     )${recordEvents("'retried'", { worker: "NULL", error: "NULL", detail: `jsonb_build_object('reason', 'workflow_retried')` })}
     SELECT * FROM changed`,
    [workflowId],
  );
}

/** A workflow's jobs with their key and the ids they depend on, in creation order. */
export async function workflowJobs(q: Queryable, workflowId: string, jobId?: string): Promise<WorkflowJobRow[]> {
  return q.query<WorkflowJobRow>(
    `SELECT ${JOB_COLUMNS_OF_J}, k.job_key,
            COALESCE((SELECT array_agg(d.depends_on_job_id ORDER BY d.created_at, d.depends_on_job_id)
                      FROM job_dependencies d WHERE d.job_id = j.id), ARRAY[]::text[]) AS depends_on
     FROM jobs j LEFT JOIN workflow_jobs k ON k.job_id = j.id
     WHERE j.workflow_id = $1 AND ($2::text IS NULL OR j.id = $2)
     ORDER BY j.seq`,
    [workflowId, jobId ?? null],
  );
}
