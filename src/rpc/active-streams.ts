import { releaseJobsOfClosedWorker } from "../engine/workers";
import type { Engine } from "../engine/context";
import type { LocalWorker } from "../engine/drain";

/**
 * Streams still running their cleanup (releasing jobs) when the server stops. Shutdown waits for them so that the
 * database is not closed under a release in progress.
 */
export class ActiveStreams {
  private count = 0;
  private idle: (() => void)[] = [];
  private served = new Map<string, LocalWorker & { streams: number }>();

  /** Records that a stream of this node serves a worker until the returned function is called. */
  serve(orgId: string, workerId: string): () => void {
    const key = JSON.stringify([orgId, workerId]);
    const entry = this.served.get(key) ?? { orgId, workerId, streams: 0 };
    entry.streams++;
    this.served.set(key, entry);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--entry.streams === 0) this.served.delete(key);
    };
  }

  /** The workers this node's streams serve: their leases are what a draining node waits for. */
  workers(): LocalWorker[] {
    return [...this.served.values()].map(({ orgId, workerId }) => ({ orgId, workerId }));
  }

  enter(): () => void {
    this.count++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      if (--this.count === 0) for (const resolve of this.idle.splice(0)) resolve();
    };
  }

  /** Resolves when no stream is running, or after timeoutMs. */
  drained(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Returns what a closed stream's worker still holds to its queue; a failure is logged (the lease reaper is the backstop). */
export function handBackJobs(engine: Engine, orgId: string, workerId: string): Promise<unknown> {
  return releaseJobsOfClosedWorker(engine, orgId, workerId).catch((err) => console.error("[grpc] releasing jobs of a closed stream failed:", err));
}
