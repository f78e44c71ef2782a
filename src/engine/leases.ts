import type { Engine, Principal } from "./context";
import { assertQueueAllowed, runAfterTransition } from "./context";
import * as store from "../store/jobs";
import type { Queryable } from "../db/types";
import { AppError, notFound } from "../domain/errors";
import { decideFailure } from "../domain/backoff";

export interface ClaimRequest {
  queueName: string;
  workerId: string;
  limit: number;
  leaseSecs: number;
}

/** Leases up to `limit` runnable jobs of a queue to a worker (one statement, SKIP LOCKED). */
export async function claimJobs(e: Engine, p: Principal, r: ClaimRequest): Promise<any[]> {
  assertQueueAllowed(p, r.queueName);
  return e.db.transaction(async (tx) => {
    const rows = await store.claimJobs(tx, p.orgId, r.queueName, r.workerId, r.limit, r.leaseSecs);
    await runAfterTransition(e, tx, "claimed", rows);
    return rows;
  });
}

export interface LeaseProof {
  jobId: string;
  workerId: string;
  /** Fencing token from the claim; only checked when the caller sends one. */
  leaseId?: string | null;
}

/** Locks the job and checks that the caller holds a live lease on it. */
async function lockOwnedJob(tx: Queryable, p: Principal, proof: LeaseProof): Promise<any> {
  const job = await store.lockLeasedJob(tx, p.orgId, proof.jobId);
  if (!job || job.status !== "processing" || job.assigned_worker_id !== proof.workerId) {
    throw notFound("Job not found or not owned by worker");
  }
  if (!job.lease_live || (proof.leaseId && proof.leaseId !== job.lease_id)) {
    throw new AppError("LEASE_EXPIRED", "Lease expired or lease_id is stale");
  }
  return job;
}

/** Work a caller wants committed together with a transition (an internal worker's record of the attempt). */
export type AlongsideWork = (tx: Queryable) => Promise<void>;

export async function completeJob(e: Engine, p: Principal, proof: LeaseProof, result: unknown, alongside?: AlongsideWork): Promise<any> {
  return e.db.transaction(async (tx) => {
    await lockOwnedJob(tx, p, proof);
    await alongside?.(tx);
    const row = await store.markCompleted(tx, proof.jobId, result ?? null);
    await runAfterTransition(e, tx, "completed", [row]);
    return row;
  });
}

export interface FailOutcome {
  job: any;
  willRetry: boolean;
  delaySecs: number | null;
}

/**
 * A failed attempt is retried with jittered exponential backoff while attempts remain, else dead-lettered.
 * `opts.minDelaySecs` (a destination's Retry-After) raises the backoff delay when it is longer.
 */
export async function failJob(
  e: Engine,
  p: Principal,
  proof: LeaseProof,
  error: string,
  allowRetry = true,
  opts: { minDelaySecs?: number | null; alongside?: AlongsideWork } = {},
): Promise<FailOutcome> {
  const { minDelaySecs, alongside } = opts;
  return e.db.transaction(async (tx) => {
    const job = await lockOwnedJob(tx, p, proof);
    await alongside?.(tx);
    const decision = decideFailure(job, allowRetry, { baseSecs: e.config.backoffBaseSecs, capSecs: e.config.backoffCapSecs });
    if (decision.delaySecs !== null && minDelaySecs) decision.delaySecs = Math.max(decision.delaySecs, minDelaySecs);
    const row = await store.markFailed(tx, proof.jobId, error, decision.delaySecs, proof.workerId);
    await runAfterTransition(e, tx, decision.status === "pending" ? "failed" : "deadlettered", [row]);
    return { job: row, willRetry: decision.status === "pending", delaySecs: decision.delaySecs };
  });
}

/** Gives a leased job back without spending an attempt; it becomes claimable again after delaySecs. */
export async function deferJob(e: Engine, p: Principal, proof: LeaseProof, delaySecs: number, reason: string): Promise<any> {
  return e.db.transaction(async (tx) => {
    await lockOwnedJob(tx, p, proof);
    const row = await store.deferLeasedJob(tx, proof.jobId, delaySecs, reason);
    await runAfterTransition(e, tx, "released", [row]);
    return row;
  });
}

/** Extends the lease to now + leaseSecs (not additive). */
export async function heartbeatJob(e: Engine, p: Principal, proof: LeaseProof, leaseSecs: number): Promise<any> {
  return e.db.transaction(async (tx) => {
    await lockOwnedJob(tx, p, proof);
    return store.renewLease(tx, proof.jobId, leaseSecs);
  });
}

/** Background: expired leases back to pending (or DLQ), a batch at a time. Safe on many nodes. */
export async function reapExpiredLeases(e: Engine): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await e.db.transaction(async (tx) => {
      const changed = await store.reapExpiredLeases(tx);
      const back = changed.filter((r) => r.status === "pending");
      const dead = changed.filter((r) => r.status === "deadletter");
      await runAfterTransition(e, tx, "lease_expired", back);
      await runAfterTransition(e, tx, "deadlettered", dead);
      return changed;
    });
    total += rows.length;
    if (rows.length < 500) return total;
  }
}
