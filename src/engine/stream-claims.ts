import type { Engine, Principal } from "./context";
import { assertQueueAllowed, prepareTransition, runAfterTransition } from "./context";
import * as store from "../store/stream-claims";
import type { JobRow } from "../store/jobs";
import { claimFairly, fairnessOf } from "./fair-claims";
import { claimingStopped } from "./drain";
import { transactionNotifyingAfter } from "../bus/job-notifier";

export type { WorkerWant } from "../store/stream-claims";

/**
 * Leases jobs of one queue to many streaming workers of one organization at once (one statement, one
 * transaction), each within its own want and cap. Jobs come back in claim order.
 */
export async function claimForWorkers(e: Engine, p: Principal, queueName: string, workers: store.WorkerWant[]): Promise<JobRow[]> {
  assertQueueAllowed(p, queueName);
  // A node shutting down leases nothing more (as claimJobs): its streams finish what they hold.
  if (claimingStopped(e)) return [];
  const fairness = await fairnessOf(e, p.orgId, queueName);
  if (fairness) {
    // A fair queue claims through its own statement, one worker at a time; caps are checked before each.
    const capped = workers.filter((w) => w.cap !== null).map((w) => w.workerId);
    const held = capped.length ? await store.heldCounts(e.db, p.orgId, capped) : new Map<string, number>();
    const rows: JobRow[] = [];
    for (const w of workers) {
      const limit = w.cap === null ? w.want : Math.min(w.want, w.cap - (held.get(w.workerId) ?? 0));
      if (limit > 0) rows.push(...(await claimFairly(e, p, { queueName, workerId: w.workerId, limit: Math.min(limit, 100), leaseSecs: w.leaseSecs }, fairness)));
    }
    return rows;
  }
  return transactionNotifyingAfter(e.db, e.signals.notifier, async (tx) => {
    const claiming = store.claimForWorkers(tx, p.orgId, queueName, workers);
    prepareTransition(e, tx, "claimed", [p.orgId]);
    const rows = await claiming;
    await runAfterTransition(e, tx, "claimed", rows);
    return rows.sort((a, b) => b.priority - a.priority || +a.created_at - +b.created_at || a.seq - b.seq);
  });
}
