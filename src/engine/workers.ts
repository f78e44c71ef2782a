import type { Engine, Principal } from "./context";
import { assertQueueAllowed, emitEvent, runAfterTransition } from "./context";
import * as workers from "../store/workers";
import { releaseWorkerJobs } from "../store/jobs";
import { conflict, notFound } from "../domain/errors";
import type { RegisterWorkerInput, WorkerHeartbeatInput } from "../domain/worker-schemas";
import type { Queryable } from "../db/types";

export async function registerWorker(e: Engine, p: Principal, input: RegisterWorkerInput) {
  assertQueueAllowed(p, input.queue_name);
  for (const q of input.queue_names ?? []) assertQueueAllowed(p, q);
  return e.db.transaction(async (tx) => {
    const row = await workers.upsertWorker(tx, p.orgId, {
      id: input.worker_id ?? crypto.randomUUID(),
      queueName: input.queue_name,
      queueNames: [...new Set([input.queue_name, ...(input.queue_names ?? [])])],
      hostname: input.hostname,
      workerType: input.worker_type ?? null,
      maxConcurrency: input.max_concurrency ?? 5,
      metadata: input.metadata ?? {},
      version: input.version ?? null,
    });
    if (!row) throw conflict("worker_id is already used by another organization");
    await emitEvent(e, tx, { type: "worker.registered", orgId: p.orgId, data: { worker_id: row.id, queue_name: row.queue_name, hostname: row.hostname } });
    return row;
  });
}

export async function getWorker(e: Engine, p: Principal, id: string) {
  const row = await workers.getWorker(e.db, p.orgId, id);
  if (!row) throw notFound("Worker not found");
  return row;
}

export const listWorkers = (e: Engine, p: Principal) => workers.listWorkers(e.db, p.orgId);

export async function heartbeatWorker(e: Engine, p: Principal, id: string, h: WorkerHeartbeatInput) {
  return e.db.transaction(async (tx) => {
    const row = await workers.recordHeartbeat(tx, p.orgId, id, { currentJobs: h.current_jobs, status: h.status ?? "healthy", metadata: h.metadata });
    if (!row) throw notFound("Worker not found");
    await emitEvent(e, tx, {
      type: "worker.heartbeat",
      orgId: p.orgId,
      data: { worker_id: id, queue_name: row.queue_name, status: row.status, current_jobs: row.current_jobs, current_job_id: null },
    });
    return row;
  });
}

/** A clean goodbye: the worker goes offline and its in-flight jobs go back to pending without using an attempt. */
export async function deregisterWorker(e: Engine, p: Principal, id: string) {
  await e.db.transaction(async (tx) => {
    const row = await workers.markOffline(tx, p.orgId, id);
    if (!row) throw notFound("Worker not found");
    await releaseJobs(e, tx, p.orgId, id, false);
    await emitEvent(e, tx, { type: "worker.deregistered", orgId: p.orgId, data: { worker_id: id, queue_name: row.queue_name } });
  });
}

/**
 * Returns a worker's leased jobs to the queue. `lost` = the worker vanished (a used attempt, DLQ when exhausted);
 * otherwise it left cleanly (a closed stream, a deregister) and the attempt is not counted.
 */
export async function releaseJobs(e: Engine, tx: Queryable, orgId: string, workerId: string, lost: boolean) {
  const rows = await releaseWorkerJobs(tx, orgId, workerId, lost
    ? { countAttempt: true, error: "Worker went offline", exhaustedError: "Max retries exceeded after worker went offline" }
    : { countAttempt: false, error: null });
  await runAfterTransition(e, tx, "released", rows.filter((r) => r.status === "pending"));
  await runAfterTransition(e, tx, "deadlettered", rows.filter((r) => r.status === "deadletter"));
  return rows;
}

/** Releases the jobs of a worker whose connection closed (gRPC stream), in its own transaction. */
export const releaseJobsOfClosedWorker = (e: Engine, orgId: string, workerId: string) =>
  e.db.transaction((tx) => releaseJobs(e, tx, orgId, workerId, false));

/** Background: silent workers become degraded, then offline with their jobs released. Safe on many nodes. */
export async function sweepSilentWorkers(e: Engine): Promise<number> {
  return e.db.transaction(async (tx) => {
    const { degraded, offline: gone } = await workers.sweepSilentWorkers(tx, e.config.workerDegradedSecs, e.config.workerOfflineSecs);
    for (const w of degraded) {
      await emitEvent(e, tx, { type: "worker.degraded", orgId: w.organization_id, data: { worker_id: w.id, queue_name: w.queue_name } });
    }
    for (const w of gone) {
      await releaseJobs(e, tx, w.organization_id, w.id, true);
      await emitEvent(e, tx, { type: "worker.offline", orgId: w.organization_id, data: { worker_id: w.id, queue_name: w.queue_name } });
    }
    return gone.length;
  });
}
