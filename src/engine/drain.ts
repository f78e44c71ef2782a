import type { Engine } from "./context";
import { countHeldJobs } from "../store/held-jobs";

/**
 * A node that is shutting down stops leasing work (every claim path: REST, gRPC, streams, the internal delivery
 * worker) while what it already leased finishes. Only the lifecycle turns it on; every claim checks it in one
 * place (claimJobs).
 */
export function stopClaiming(e: Engine): void {
  e.memory.draining = true;
}

export function claimingStopped(e: Engine): boolean {
  return e.memory.draining === true;
}

/** A worker served by this node (a gRPC stream's worker); its leases are the node's to finish or hand back. */
export interface LocalWorker {
  orgId: string;
  workerId: string;
}

/** How many jobs this node's workers still hold; a drain waits for 0. */
export function jobsHeldBy(e: Engine, workers: readonly LocalWorker[]): Promise<number> {
  return countHeldJobs(e.db, workers);
}
