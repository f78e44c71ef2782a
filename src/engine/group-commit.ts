import type { Db, Queryable } from "../db/types";
import { transactionNotifyingAfter, type JobNotifier } from "../bus/job-notifier";

/** One member's own answer inside a shared transaction: its value, or the error only it gets. */
export type MemberOutcome<O> = { ok: O } | { error: unknown };

export interface GroupCommitOptions {
  /** Members per transaction at most. */
  maxBatch: number;
  /** Transactions of this group running at once; more callers wait and join the next batch. */
  maxInFlight: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Books many concurrent callers' small writes in shared transactions: one BEGIN/COMMIT (one WAL flush, one NOTIFY,
 * one pass over per-organization locks such as the usage row) for a whole batch instead of one per caller. Its
 * job events are announced by the node's coalesced NOTIFY after commit (bus/job-notifier.ts).
 *
 * Nothing waits for a batch to fill: a caller arriving while fewer than maxInFlight transactions run starts one at
 * once (alone, when the system is idle, so latency stays that of a plain transaction); callers arriving meanwhile
 * queue up and go together in the next one. `book` gives every member its own outcome, so a member's refusal
 * (a stale lease, a bad parent) is answered to that member alone while the others commit. When the shared
 * transaction itself fails (a hook refusing the whole batch, a deadlock), each member is booked again in a
 * transaction of its own, so one failing member never fails the others.
 */
export class GroupCommit<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;

  constructor(
    private db: Db,
    private notifier: JobNotifier,
    private book: (tx: Queryable, items: I[]) => Promise<MemberOutcome<O>[]>,
    private opts: GroupCommitOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.db.kind !== "pglite") return this.pump();
      // The embedded database answers within the same turn of the event loop, so callers never overlap there:
      // start after the pending I/O (other calls already received) has had its turn, and take them along.
      if (this.queue.length === 1) setImmediate(() => this.pump());
    });
  }

  /**
   * The embedded database is one session that runs one transaction at a time: a second one in flight would only
   * wait for the first, and would take the callers arriving meanwhile in batches of one.
   */
  private get maxInFlight(): number {
    return this.db.kind === "pglite" ? 1 : this.opts.maxInFlight;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(batch: Pending<I, O>[]): Promise<void> {
    let outcomes: MemberOutcome<O>[];
    try {
      outcomes = await transactionNotifyingAfter(this.db, this.notifier, (tx) => this.book(tx, batch.map((m) => m.item)));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      await Promise.all(batch.map((m) => this.run([m])));
      return;
    }
    batch.forEach((m, i) => {
      const outcome = outcomes[i]!;
      if ("ok" in outcome) m.resolve(outcome.ok);
      else m.reject(outcome.error);
    });
  }
}
