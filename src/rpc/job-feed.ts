import type { Engine } from "../engine/context";
import { claimJobs, type ClaimRequest } from "../engine/leases";
import { waitForJobSignal } from "../bus/job-signals";
import type { StreamAuthorization } from "./auth";

/**
 * Idle streams sleep until the job bus says their queue changed. This poll only catches what no event announces
 * (a retried job whose backoff delay ran out, a lost notification), so it can be slow.
 */
export const SAFETY_POLL_MS = 2000;

/**
 * Claims one job at a time for a streaming worker and yields it, waiting on queue signals while the queue is empty.
 * The wait is armed before each claim, so a job committed between an empty claim and the wait still wakes us.
 */
export async function* claimWhenAvailable(engine: Engine, auth: StreamAuthorization, claim: ClaimRequest, signal: AbortSignal): AsyncGenerator<any> {
  while (!signal.aborted) {
    const armed = new AbortController();
    const stopWaiting = () => armed.abort();
    signal.addEventListener("abort", stopWaiting);
    const wake = waitForJobSignal(engine.signals, auth.principal.orgId, claim.queueName, SAFETY_POLL_MS, armed.signal);
    try {
      const [job] = await claimJobs(engine, auth.principal, { ...claim, limit: 1 });
      if (job) {
        armed.abort();
        yield job;
        await auth.recheck();
        continue;
      }
      await wake;
      await auth.recheck(false);
    } finally {
      armed.abort();
      signal.removeEventListener("abort", stopWaiting);
    }
  }
}
