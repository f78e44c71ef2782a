import type { Db } from "../db/types";
import { JobNotifier } from "./job-notifier";

export type JobSignalListener = (orgId: string, queueName: string) => void;

/**
 * News that jobs of (org, queue) changed, from any node: the job_events trigger NOTIFYs at commit and every node
 * LISTENs once. Subscribers (idle claimers, event streams) then read the tables, which are the truth; after a
 * database reconnect every subscriber is told "something may have changed" (orgId "*") so nothing waits forever.
 */
export class JobSignals {
  private listeners = new Set<JobSignalListener>();
  private unlisten?: () => Promise<void>;
  private unlistenLocal?: () => void;
  /** Sends the after-commit NOTIFY of the batched paths (and tells this node's subscribers at once). */
  readonly notifier: JobNotifier;

  constructor(private db: Db) {
    this.notifier = new JobNotifier(db);
  }

  async start(): Promise<void> {
    const announce = (line: string) => {
      const space = line.indexOf(" ");
      if (space > 0) this.emit(line.slice(0, space), line.slice(space + 1));
    };
    // Commits of this node whose NOTIFY the app sends (bus/job-notifier.ts) wake its own subscribers at once.
    this.unlistenLocal = this.notifier.onLocalCommit(announce);
    this.unlisten = await this.db.listen(
      "spindle_job_events",
      (payload) => {
        for (const line of payload.split("\n")) announce(line);
      },
      () => this.emit("*", "*"),
    );
  }

  subscribe(listener: JobSignalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Wakes local subscribers directly (used in tests and after reconnects). */
  emit(orgId: string, queueName: string): void {
    for (const l of this.listeners) {
      try {
        l(orgId, queueName);
      } catch (err) {
        console.error("[bus] listener failed:", err);
      }
    }
  }

  async stop(): Promise<void> {
    this.unlistenLocal?.();
    await this.unlisten?.().catch(() => {});
    this.listeners.clear();
  }
}

/** Resolves when a job of (org, queue) may have become claimable, or after timeoutMs (the safety-net poll). */
export function waitForJobSignal(signals: JobSignals, orgId: string, queueName: string, timeoutMs: number, abort?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // An already-aborted caller never gets an "abort" event: do not make it wait for the timeout.
    if (abort?.aborted) return resolve();
    let timer: ReturnType<typeof setTimeout>;
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      abort?.removeEventListener("abort", done);
      resolve();
    };
    const unsubscribe = signals.subscribe((org, queue) => {
      if ((org === orgId && queue === queueName) || org === "*") done();
    });
    timer = setTimeout(done, timeoutMs);
    abort?.addEventListener("abort", done);
  });
}
