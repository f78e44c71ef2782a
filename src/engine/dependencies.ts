import { UNSUCCESSFUL_STATUSES } from "../domain/job-states";
import type { Engine, JobEvent, Principal } from "./context";
import { runAfterTransition } from "./context";
import type { Queryable } from "../db/types";
import * as store from "../store/dependencies";
import { recomputeWorkflows } from "../store/workflows";
import { getJob as readJob, type JobRow } from "../store/jobs";
import { getJob } from "./jobs";
import { notFound } from "../domain/errors";

export const CASCADE_REASON = "Dependency failed, was dead-lettered or was cancelled";

const UNSUCCESSFUL = new Set<string>(UNSUCCESSFUL_STATUSES);

/**
 * Runs in the transaction of every job transition (engine.hooks.onTransition):
 * - a completed job makes its waiting dependents claimable at commit (no timer);
 * - a job that ended without completing cancels the dependents that can no longer run, transitively: each
 *   cascade is itself a transition, so every hook (notifications too) sees it. Recursion ends because only
 *   waiting jobs are cancelled, and a cancelled job never waits again;
 * - a job created with parent_job_id gets its edge and is settled at once (the parent may already be done);
 * - the workflows of the changed jobs get their status and counters recomputed.
 */
export async function onJobTransition(e: Engine, tx: Queryable, event: JobEvent, rows: JobRow[]): Promise<void> {
  if (event === "created") await linkParents(e, tx, rows);

  const finished = rows.filter((r) => r.status === "completed" || UNSUCCESSFUL.has(r.status)).map((r) => r.id);
  if (finished.length) await settleWaiting(e, tx, await store.lockWaitingDependents(tx, finished));

  const workflows = [...new Set(rows.map((r) => r.workflow_id).filter((id): id is string => !!id))];
  await recomputeWorkflows(tx, workflows);
}

/** Re-evaluates waiting jobs: marks the runnable ones met and cancels (with cascade) the doomed ones. */
export async function settleWaiting(e: Engine, tx: Queryable, jobIds: string[]): Promise<void> {
  if (jobIds.length === 0) return;
  await store.refreshDependenciesMet(tx, jobIds);
  const cancelled = await store.cancelDoomed(tx, jobIds, CASCADE_REASON);
  await runAfterTransition(e, tx, "cancelled", cancelled);
}

async function linkParents(e: Engine, tx: Queryable, rows: JobRow[]): Promise<void> {
  const children = rows.filter((r): r is JobRow & { parent_job_id: string } => !!r.parent_job_id && !r.workflow_id);
  if (children.length === 0) return;
  await store.lockAsDependencies(tx, children[0].organization_id, [...new Set(children.map((r) => r.parent_job_id))]);
  await store.insertEdges(tx, children.map((r) => ({ jobId: r.id, dependsOn: r.parent_job_id })));
  await settleWaiting(e, tx, children.map((r) => r.id));
}

export interface AddDependenciesInput {
  dependsOn: string[];
  mode?: "all" | "any";
}

/**
 * Adds edges to an existing job and re-evaluates it. Every dependency must be a job of the caller's organization
 * (else 404); self-edges and edges that would close a cycle are skipped.
 */
export async function addDependencies(e: Engine, p: Principal, jobId: string, input: AddDependenciesInput) {
  await getJob(e, p, jobId);
  return e.db.transaction(async (tx) => {
    const wanted = [...new Set(input.dependsOn)].filter((id) => id !== jobId);
    const found = new Set((await store.lockAsDependencies(tx, p.orgId, wanted)).map((r) => r.id));
    const missing = wanted.find((id) => !found.has(id));
    if (missing) throw notFound(`Dependency job not found: ${missing}`);
    const cyclic = await store.wouldCloseCycle(tx, jobId, wanted);
    if (input.mode) await store.setDependencyMode(tx, jobId, input.mode);
    const added = await store.insertEdges(tx, wanted.filter((id) => !cyclic.has(id)).map((dependsOn) => ({ jobId, dependsOn })));
    await settleWaiting(e, tx, [jobId]);
    const job = await readJob(tx, p.orgId, jobId);
    if (!job) throw notFound("Job not found");
    return { job, added: added.length, dependencies: await store.dependenciesOf(tx, jobId) };
  });
}

export async function jobDependencies(e: Engine, p: Principal, jobId: string) {
  const job = await getJob(e, p, jobId);
  return { job, dependencies: await store.dependenciesOf(e.db, jobId), dependents: await store.dependentsOf(e.db, jobId) };
}

/** The workflows feature's transition hook: dependents of finished jobs are released or cancelled in the same transaction. */
export const dependencyHook = (e: Engine) => (tx: Queryable, event: JobEvent, rows: JobRow[]) => onJobTransition(e, tx, event, rows);
