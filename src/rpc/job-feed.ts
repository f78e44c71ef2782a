import { claimJobs, type ClaimRequest } from "../engine/leases";
import type { StreamAuthorization } from "./auth";
import type { RpcNode } from "./node";

/**
 * Yields jobs leased to a streaming worker for as long as the stream is open: claimed directly while the queue has
 * work, otherwise from the queue's feed, which wakes on job signals.
 */
export async function* claimWhenAvailable({ engine, feeds }: RpcNode, auth: StreamAuthorization, claim: ClaimRequest, signal: AbortSignal): AsyncGenerator<any> {
  const one = { ...claim, limit: 1 };
  const { feed, close } = feeds.open(auth.principal.orgId, claim.queueName);
  try {
    while (!signal.aborted) {
      const seen = feed.generation;
      let [job] = await claimJobs(engine, auth.principal, one);
      if (!job) {
        job = await feed.wait({ principal: auth.principal, claim: one, signal }, seen);
        if (!job) continue;
      }
      yield job;
      await auth.recheck();
    }
  } finally {
    close();
  }
}
