import type { JobRow } from "../store/jobs";
import type { ClaimRequest, Engine, Principal } from "./context";
import { assertQueueAllowed, prepareTransition, runAfterTransition } from "./context";
import * as store from "../store/jobs";
import type { Queryable } from "../db/types";
import { AppError, notFound } from "../domain/errors";
import { decideFailure } from "../domain/job-states";
import { waitForJobSignal } from "../bus/job-signals";
import { claimFairly, fairnessOf } from "./fair-claims";
import { claimingStopped } from "./drain";
import { GroupCommit, type MemberOutcome } from "./group-commit";
import { transactionNotifyingAfter } from "../bus/job-notifier";

export type { ClaimRequest } from "./context";

/** Leases up to `limit` runnable jobs of a queue to a worker (one statement, SKIP LOCKED). */
export async function claimJobs(e: Engine, p: Principal, r: ClaimRequest): Promise<JobRow[]> {
  assertQueueAllowed(p, r.queueName);
  // A node shutting down leases nothing more: its workers finish what they hold, new work goes to other nodes.
  if (claimingStopped(e)) return [];
  // A queue with fairness on claims through its own statement; every other queue pays one in-memory lookup.
  const fairness = await fairnessOf(e, p.orgId, r.queueName);
  if (fairness) return claimFairly(e, p, r, fairness);
  return transactionNotifyingAfter(e.db, e.signals.notifier, async (tx) => {
    const claiming = store.claimJobs(tx, p.orgId, r.queueName, r.workerId, r.limit, r.leaseSecs);
    prepareTransition(e, tx, "claimed", [p.orgId]);
    const rows = await claiming;
    await runAfterTransition(e, tx, "claimed", rows);
    return rows;
  });
}

/** Between wake-ups a waiting claim retries this often anyway: retries whose backoff ran out raise no signal. */
const WAITING_CLAIM_POLL_MS = 250;

/**
 * A claim that waits up to waitMs for work when the queue is empty (our long-poll extension): it listens for job
 * signals of the queue (any node's commits, via NOTIFY) before each attempt, so no job created meanwhile is missed.
 */
export async function claimJobsWaiting(e: Engine, p: Principal, r: ClaimRequest, waitMs: number, abort?: AbortSignal): Promise<JobRow[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const remaining = deadline - Date.now();
    const stop = new AbortController();
    const wake = AbortSignal.any(abort ? [abort, stop.signal] : [stop.signal]);
    const woken = remaining > 0 ? waitForJobSignal(e.signals, p.orgId, r.queueName, Math.min(remaining, WAITING_CLAIM_POLL_MS), wake) : undefined;
    let rows: JobRow[];
    try {
      rows = await claimJobs(e, p, r);
    } catch (err) {
      stop.abort();
      throw err;
    }
    if (rows.length > 0 || !woken || abort?.aborted || claimingStopped(e)) {
      stop.abort();
      return rows;
    }
    await woken;
  }
}

/** Result of a batched completion: which jobs completed, and why the others did not. */
export interface CompleteManyResult {
  succeeded: string[];
  failed: { job_id: string; code: "NOT_FOUND" | "LEASE_EXPIRED"; error: string }[];
}

/**
 * Completes many jobs held by one worker in one transaction and one statement (our batched extension).
 * `alongside` commits with it (an internal worker's records of the attempts), whichever jobs completed.
 */
export async function completeJobs(
  e: Engine,
  p: Principal,
  workerId: string,
  items: { jobId: string; leaseId?: string | null; result?: unknown }[],
  alongside?: AlongsideWork,
): Promise<CompleteManyResult> {
  return transactionNotifyingAfter(e.db, e.signals.notifier, async (tx) => {
    const { rows, failed } = await completeLeased(e, tx, p, workerId, items);
    await alongside?.(tx);
    return { succeeded: rows.map((r) => r.id as string), failed };
  });
}

/** The shared completion: an update guarded by ownership and lease, then the reason for every job it skipped. */
async function completeLeased(
  e: Engine,
  tx: Queryable,
  p: Principal,
  workerId: string,
  items: { jobId: string; leaseId?: string | null; result?: unknown }[],
): Promise<{ rows: JobRow[]; failed: CompleteManyResult["failed"] }> {
  const completing = store.completeLeasedJobs(tx, p.orgId, items.map((i) => ({ id: i.jobId, workerId, leaseId: i.leaseId ?? null, result: i.result ?? null })));
  prepareTransition(e, tx, "completed", [p.orgId]);
  const rows = await completing;
  await runAfterTransition(e, tx, "completed", rows);
  const done = new Set(rows.map((r) => r.id as string));
  const missed = [...new Set(items.map((i) => i.jobId).filter((id) => !done.has(id)))];
  const current = new Map((missed.length ? await store.getJobsByIds(tx, p.orgId, missed) : []).map((j) => [j.id as string, j]));
  const failed = missed.map((id) => {
    const refusal = leaseRefusal(current.get(id), workerId);
    return { job_id: id, code: refusal.code as "NOT_FOUND" | "LEASE_EXPIRED", error: refusal.message };
  });
  return { rows, failed };
}

/** Why a lease-fenced write changed nothing, judged on the job as it is now: not the caller's job, or not its lease. */
function leaseRefusal(job: { status: string; assigned_worker_id: string | null } | undefined, workerId: string): AppError {
  if (!job || job.status !== "processing" || job.assigned_worker_id !== workerId) return notFound("Job not found or not owned by worker");
  return new AppError("LEASE_EXPIRED", "Lease expired or lease_id is stale");
}

export interface Completion {
  jobId: string;
  workerId: string;
  leaseId?: string | null;
  result?: unknown;
}

/**
 * Books single completions of many callers in one transaction: per organization one guarded update for all of
 * them. A member whose job is not its own or whose lease is stale gets its own refusal; the others commit.
 */
async function bookCompletions(e: Engine, tx: Queryable, members: { orgId: string; completion: Completion }[]): Promise<MemberOutcome<JobRow>[]> {
  const outcomes: MemberOutcome<JobRow>[] = new Array(members.length);
  const byOrg = new Map<string, number[]>();
  members.forEach((m, i) => byOrg.set(m.orgId, [...(byOrg.get(m.orgId) ?? []), i]));
  for (const orgId of byOrg.keys()) prepareTransition(e, tx, "completed", [orgId]);
  for (const [orgId, indexes] of byOrg) {
    // The same job twice in one batch: only the first may complete it; the repeat is answered as a miss.
    const seen = new Set<string>();
    const first = indexes.filter((i) => !seen.has(members[i]!.completion.jobId) && seen.add(members[i]!.completion.jobId));
    const rows = await store.completeLeasedJobs(tx, orgId, first.map((i) => {
      const c = members[i]!.completion;
      return { id: c.jobId, workerId: c.workerId, leaseId: c.leaseId ?? null, result: c.result ?? null };
    }));
    await runAfterTransition(e, tx, "completed", rows);
    const done = new Map(rows.map((r) => [r.id as string, r]));
    const answered = new Set<number>(first.filter((i) => done.has(members[i]!.completion.jobId)));
    const unanswered = indexes.filter((i) => !answered.has(i));
    const current = new Map((unanswered.length ? await store.getJobsByIds(tx, orgId, unanswered.map((i) => members[i]!.completion.jobId)) : []).map((j) => [j.id as string, j]));
    for (const i of indexes) {
      const { jobId, workerId } = members[i]!.completion;
      outcomes[i] = answered.has(i) ? { ok: done.get(jobId)! } : { error: leaseRefusal(current.get(jobId), workerId) };
    }
  }
  return outcomes;
}

/** The engine's group for single completions without alongside work (unary/in-band Complete, REST per job). */
function completionGroup(e: Engine): GroupCommit<{ orgId: string; completion: Completion }, JobRow> {
  let group = e.memory.groupCommits.get("completions") as GroupCommit<{ orgId: string; completion: Completion }, JobRow> | undefined;
  if (!group) {
    group = new GroupCommit(e.db, e.signals.notifier, (tx, members: { orgId: string; completion: Completion }[]) => bookCompletions(e, tx, members), { maxBatch: 512, maxInFlight: 2 });
    e.memory.groupCommits.set("completions", group);
  }
  return group;
}

export interface LeaseProof {
  jobId: string;
  workerId: string;
  /** Fencing token from the claim; only checked when the caller sends one. */
  leaseId?: string | null;
}

const guardOf = (p: Principal, proof: LeaseProof, leaseId = proof.leaseId ?? null): store.LeaseGuard => ({
  orgId: p.orgId,
  jobId: proof.jobId,
  workerId: proof.workerId,
  leaseId,
});

/** Runs a lease-fenced write; when its guard did not hold, throws the reason read from the job as it is now. */
async function fenced<T>(tx: Queryable, p: Principal, proof: LeaseProof, write: () => Promise<T | undefined>): Promise<T> {
  const row = await write();
  if (row !== undefined) return row;
  throw leaseRefusal(await store.getJob(tx, p.orgId, proof.jobId), proof.workerId);
}

/** Work a caller wants committed together with a transition (an internal worker's record of the attempt). */
export type AlongsideWork = (tx: Queryable) => Promise<void>;

/**
 * One statement: the update itself checks ownership and lease (like every lease-fenced write), and records the
 * event. Without `alongside` work, concurrent completions share a transaction (group commit).
 */
export async function completeJob(e: Engine, p: Principal, proof: LeaseProof, result: unknown, alongside?: AlongsideWork): Promise<JobRow> {
  if (!alongside) return completionGroup(e).submit({ orgId: p.orgId, completion: { jobId: proof.jobId, workerId: proof.workerId, leaseId: proof.leaseId, result } });
  return e.db.transaction(async (tx) => {
    const { rows, failed } = await completeLeased(e, tx, p, proof.workerId, [{ jobId: proof.jobId, leaseId: proof.leaseId, result }]);
    if (failed[0]) throw failed[0].code === "LEASE_EXPIRED" ? new AppError("LEASE_EXPIRED", failed[0].error) : notFound(failed[0].error);
    await alongside?.(tx);
    return rows[0];
  });
}

export interface FailOutcome {
  job: JobRow;
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
    // The decision needs the attempt count; the write is fenced by the very lease it was read under (a new claim
    // or any change of the count replaces lease_id), so the count cannot change between the two.
    const job = await store.getJob(tx, p.orgId, proof.jobId);
    if (!job || job.status !== "processing" || job.assigned_worker_id !== proof.workerId || !job.lease_id) throw leaseRefusal(job, proof.workerId);
    await alongside?.(tx);
    const decision = decideFailure(job, allowRetry, { baseSecs: e.config.backoffBaseSecs, capSecs: e.config.backoffCapSecs });
    if (decision.delaySecs !== null && minDelaySecs) decision.delaySecs = Math.max(decision.delaySecs, minDelaySecs);
    const guard = guardOf(p, proof, proof.leaseId ?? job.lease_id);
    const row = await fenced(tx, p, proof, () => store.markFailed(tx, guard, error, decision.delaySecs));
    await runAfterTransition(e, tx, decision.status === "pending" ? "failed" : "deadlettered", [row]);
    return { job: row, willRetry: decision.status === "pending", delaySecs: decision.delaySecs };
  });
}

/** Gives a leased job back without spending an attempt; it becomes claimable again after delaySecs. */
export async function deferJob(e: Engine, p: Principal, proof: LeaseProof, delaySecs: number, reason: string): Promise<JobRow> {
  return e.db.transaction(async (tx) => {
    const row = await fenced(tx, p, proof, () => store.deferLeasedJob(tx, guardOf(p, proof), delaySecs, reason));
    await runAfterTransition(e, tx, "released", [row]);
    return row;
  });
}

/** Extends the lease to now + leaseSecs (not additive). */
export async function heartbeatJob(e: Engine, p: Principal, proof: LeaseProof, leaseSecs: number): Promise<JobRow> {
  return e.db.transaction((tx) => fenced(tx, p, proof, () => store.renewLease(tx, guardOf(p, proof), leaseSecs)));
}

/** Background: expired leases back to pending after a backoff (or DLQ), a batch at a time. Safe on many nodes. */
export async function reapExpiredLeases(e: Engine): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await e.db.transaction(async (tx) => {
      // An expired lease is a failed attempt like any other: the retry policy's backoff, then the DLQ, so that a
      // job that kills its workers is slowed down and finally parked instead of looping.
      const policy = { baseSecs: e.config.backoffBaseSecs, capSecs: e.config.backoffCapSecs };
      const changed = await store.reapExpiredLeases(tx, (job) => decideFailure(job, true, policy).delaySecs);
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
