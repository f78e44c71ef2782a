import type { Principal } from "../engine/context";
import { assertQueueAllowed } from "../engine/context";
import type { ClaimRequest } from "../engine/leases";
import type { StreamAuthorization } from "./auth";
import type { RpcNode } from "./node";

/** Most jobs a streaming worker may ask to hold at once (`x-spindle-prefetch`). */
export const MAX_PREFETCH = 1000;

/** The prefetch a stream asked for in its `x-spindle-prefetch` header; null (absent or unusable) = no cap. */
export function prefetchOf(headers: Headers): number | null {
  const n = Number(headers.get("x-spindle-prefetch"));
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_PREFETCH) : null;
}

/**
 * Yields jobs leased to a streaming worker for as long as the stream is open, from its queue's feed (which claims
 * for all of the queue's streams on this node in one statement). Without a cap the stream asks for one job each
 * time it is ready to send the next (the contract's "claim one, send it"); with a cap (prefetch) it keeps up to
 * `cap` jobs leased to it, counting those it sent and the worker has not settled yet.
 */
export async function* claimWhenAvailable(
  { feeds }: RpcNode,
  auth: StreamAuthorization,
  claim: ClaimRequest,
  signal: AbortSignal,
  cap: number | null = null,
): AsyncGenerator<any> {
  assertQueueAllowed(auth.principal, claim.queueName);
  const { feed, close } = feeds.open(auth.principal.orgId, claim.queueName);
  const buffer: any[] = [];
  let waiting: ((job: any | null) => void) | undefined;
  let gone = false;
  const leave = feed.join({
    get principal() {
      return auth.principal;
    },
    workerId: claim.workerId,
    leaseSecs: claim.leaseSecs,
    cap,
    want: () => (gone ? 0 : cap === null ? (waiting && buffer.length === 0 ? 1 : 0) : Math.max(0, cap - buffer.length)),
    deliver(jobs) {
      if (gone) return false;
      buffer.push(...jobs);
      const w = waiting;
      waiting = undefined;
      w?.(buffer.shift());
      return true;
    },
  });
  const stop = () => {
    gone = true;
    waiting?.(null);
  };
  signal.addEventListener("abort", stop, { once: true });
  try {
    while (!signal.aborted) {
      let job = buffer.shift();
      if (!job) {
        job = await new Promise<any | null>((resolve) => {
          waiting = resolve;
          // An uncapped stream asks for its next job now; a capped one is served when a settlement frees a slot.
          if (cap === null) feed.wake();
        });
        if (!job) break;
      }
      yield job;
      await auth.recheck();
    }
  } finally {
    gone = true;
    signal.removeEventListener("abort", stop);
    leave();
    close();
  }
}

/**
 * Claims at most one job for a worker right now (ProcessJobs' dequeue), together with whatever else the queue's
 * feed claims in its next round: concurrent dequeues of many workers share one statement. Null when none.
 */
export function claimOneNow({ feeds }: RpcNode, principal: Principal, claim: ClaimRequest): Promise<any | null> {
  assertQueueAllowed(principal, claim.queueName);
  const { feed, close } = feeds.open(principal.orgId, claim.queueName);
  return new Promise((resolve) => {
    let done = false;
    const finish = (job: any | null) => {
      done = true;
      leave();
      close();
      resolve(job);
    };
    const leave = feed.join({
      principal,
      workerId: claim.workerId,
      leaseSecs: claim.leaseSecs,
      cap: null,
      want: () => (done ? 0 : 1),
      deliver(jobs) {
        if (done) return false;
        finish(jobs[0]);
        return true;
      },
      empty() {
        if (!done) finish(null);
      },
    });
  });
}
