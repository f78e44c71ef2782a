import type { Engine, Principal } from "./context";
import { assertQueueAllowed, canUseQueue, runAfterTransition } from "./context";
import * as store from "../store/workflows";
import { insertEdges } from "../store/dependencies";
import type { NewJob } from "../store/jobs";
import { assertPayloadFits } from "./jobs";
import { insertJobsInTransaction } from "./job-inserts";
import { checkWorkflowGraph } from "../domain/workflow-graph";
import type { CreateWorkflowInput } from "../domain/workflow-schemas";
import { conflict, notFound } from "../domain/errors";

const WORKFLOW_STATUSES = ["pending", "running", "completed", "failed", "cancelled"];

/**
 * Creates the workflow, one job per definition and one edge per dependency in one transaction. The graph is
 * checked first, so a refused definition leaves nothing behind. Jobs without dependencies are runnable at once.
 */
export async function createWorkflow(e: Engine, p: Principal, input: CreateWorkflowInput) {
  checkWorkflowGraph(input.jobs);
  for (const job of input.jobs) {
    assertQueueAllowed(p, job.queue_name);
    assertPayloadFits(e, job.payload);
  }
  const workflowId = crypto.randomUUID();
  const idOf = new Map(input.jobs.map((j) => [j.key, crypto.randomUUID()]));
  const jobs: NewJob[] = input.jobs.map((j) => ({
    id: idOf.get(j.key)!,
    queueName: j.queue_name,
    payload: j.payload,
    priority: j.priority ?? 0,
    maxRetries: j.max_retries ?? null,
    timeoutSeconds: j.timeout_seconds ?? null,
    scheduledAt: null,
    expiresAt: j.expires_at ?? null,
    idempotencyKey: null,
    tags: null,
    parentJobId: null,
    completionWebhook: null,
    workflowId,
    dependencyMode: j.dependency_mode ?? "all",
    dependenciesMet: (j.depends_on ?? []).length === 0,
  }));
  await e.db.transaction(async (tx) => {
    await store.insertWorkflow(tx, {
      id: workflowId,
      orgId: p.orgId,
      name: input.name,
      description: input.description ?? null,
      metadata: input.metadata,
      totalJobs: jobs.length,
    });
    await insertJobsInTransaction(e, tx, p.orgId, jobs);
    await store.insertWorkflowKeys(tx, workflowId, input.jobs.map((j) => ({ jobId: idOf.get(j.key)!, key: j.key })));
    await insertEdges(
      tx,
      input.jobs.flatMap((j) => [...new Set(j.depends_on ?? [])].map((dep) => ({ jobId: idOf.get(j.key)!, dependsOn: idOf.get(dep)! }))),
    );
  });
  return { workflow_id: workflowId, job_ids: input.jobs.map((j) => ({ key: j.key, job_id: idOf.get(j.key)! })), status: "pending" };
}

async function requireWorkflow(e: Engine, p: Principal, id: string) {
  const w = await store.getWorkflow(e.db, p.orgId, id);
  if (!w) throw notFound("Workflow not found");
  return w;
}

/** The workflow with its jobs (each with key and the ids it depends on), as the detail routes show it. */
export async function getWorkflow(e: Engine, p: Principal, id: string) {
  const workflow = await requireWorkflow(e, p, id);
  const jobs = await store.workflowJobs(e.db, id);
  return { workflow, jobs: jobs.filter((j) => canUseQueue(p, j.queue_name)) };
}

export async function listWorkflows(e: Engine, p: Principal, f: { status?: string; limit?: number; offset?: number }) {
  return store.listWorkflows(e.db, p.orgId, {
    status: f.status && WORKFLOW_STATUSES.includes(f.status) ? f.status : undefined,
    limit: Math.min(100, Math.max(1, f.limit ?? 50)),
    offset: Math.max(0, f.offset ?? 0),
  });
}

export async function workflowJob(e: Engine, p: Principal, workflowId: string, jobId: string) {
  await requireWorkflow(e, p, workflowId);
  const [job] = await store.workflowJobs(e.db, workflowId, jobId);
  if (!job || !canUseQueue(p, job.queue_name)) throw notFound("Job not found in workflow");
  return job;
}

/**
 * Cancels the workflow: jobs that have not started are cancelled, running ones finish (their completion does not
 * revive it). Cancelling a cancelled workflow is a no-op; a completed one cannot be cancelled. Job rows are locked
 * before the workflow row, the order every transition follows (job, then its workflow), so claims and
 * completions racing the cancel never deadlock with it.
 */
export async function cancelWorkflow(e: Engine, p: Principal, id: string) {
  const w = await requireWorkflow(e, p, id);
  if (w.status === "completed") throw conflict("Cannot cancel a completed workflow");
  if (w.status !== "cancelled") {
    await e.db.transaction(async (tx) => {
      const cancelled = await store.cancelWaitingJobs(tx, id);
      await store.markCancelled(tx, id);
      await runAfterTransition(e, tx, "cancelled", cancelled);
    });
  }
  return getWorkflow(e, p, id);
}

/**
 * Retries a failed workflow: its failed, dead-lettered and cancelled jobs start over; the rest is kept. A second
 * retry racing this one finds no job left to reset once the first commits.
 */
export async function retryWorkflow(e: Engine, p: Principal, id: string) {
  const w = await requireWorkflow(e, p, id);
  if (w.status !== "failed") throw conflict(`Only failed workflows can be retried (status is '${w.status}')`);
  await e.db.transaction(async (tx) => runAfterTransition(e, tx, "retried", await store.resetUnfinishedJobs(tx, id)));
  return getWorkflow(e, p, id);
}
