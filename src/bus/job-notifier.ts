import type { Db, Queryable } from "../db/types";
import { notifyByApp, notifyJobEvents, touchedQueues } from "../store/job-notify";

/** The trigger's limit for one payload (PostgreSQL allows just under 8000 bytes). */
const PAYLOAD_LIMIT = 7900;
/** How long a NOTIFY waits for more commits to carry. */
const NOTIFY_WINDOW_MS = 2;

/**
 * The after-commit NOTIFY of the paths that skip the job_events trigger's own (migration 0011). Pairs committed
 * while a NOTIFY is on its way are coalesced into the next one: one notify-lock commit per round trip for the
 * whole node instead of one per transaction. Listeners (this node's included) then read the tables, as before.
 */
export class JobNotifier {
  private pending = new Set<string>();
  private sending = false;
  /** This node's own listeners, told at once after commit instead of one NOTIFY round trip later. */
  private local = new Set<(line: string) => void>();

  constructor(private db: Db) {}

  /** Call after a commit that recorded job events of these "org queue" pairs. */
  committed(lines: Iterable<string>): void {
    // Every commit is told here, even when its pair already waits for the next NOTIFY: a listener that started
    // waiting since then must not wait for that NOTIFY's round trip.
    for (const line of new Set(lines)) {
      for (const tell of this.local) tell(line);
      this.pending.add(line);
    }
    if (this.pending.size > 0 && !this.sending) void this.send();
  }

  /** Subscribes this node's listener to its own commits; returns the unsubscribe. */
  onLocalCommit(tell: (line: string) => void): () => void {
    this.local.add(tell);
    return () => this.local.delete(tell);
  }

  private async send(): Promise<void> {
    this.sending = true;
    try {
      while (this.pending.size > 0) {
        // Commits of the next moment join this NOTIFY: this node's listeners were told already, so only other nodes
        // (and their event hubs) wait, by at most this window.
        await new Promise((resolve) => setTimeout(resolve, NOTIFY_WINDOW_MS));
        const lines = [...this.pending];
        this.pending.clear();
        for (const payload of chunks(lines)) {
          // A lost NOTIFY costs latency, never a job: idle claimers and the event hub also poll.
          await notifyJobEvents(this.db, payload).catch((err) => console.warn(`[bus] job NOTIFY failed: ${(err as Error).message}`));
        }
      }
    } finally {
      this.sending = false;
    }
  }
}

function chunks(lines: string[]): string[] {
  const out: string[] = [];
  let current = "";
  for (const line of lines) {
    if (current && current.length + 1 + line.length > PAYLOAD_LIMIT) {
      out.push(current);
      current = "";
    }
    current = current ? `${current}\n${line}` : line.slice(0, PAYLOAD_LIMIT);
  }
  if (current) out.push(current);
  return out;
}

/**
 * Runs fn in a transaction whose job events are announced by one coalesced NOTIFY after commit instead of the
 * trigger's NOTIFY at commit. Its two statements (the marker, the read of the touched queues) cost no round trip
 * of their own on PostgreSQL: they travel with fn's first statement and with the COMMIT.
 */
export async function transactionNotifyingAfter<T>(db: Db, notifier: JobNotifier, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  let touched: Promise<string[]> = Promise.resolve([]);
  const result = await db.transaction(async (tx) => {
    // Sent together with fn's first statement (one write, one round trip); a failure fails that statement too.
    const announcing = notifyByApp(tx);
    announcing.catch(() => {});
    const value = await fn(tx);
    await announcing;
    // On PostgreSQL the read goes out with COMMIT, one round trip for both. Were it to fail, PostgreSQL would
    // answer that COMMIT with a rollback, and awaiting the read below throws it to the caller. PGlite answers
    // in-process, so there it is simply awaited inside.
    touched = touchedQueues(tx);
    touched.catch(() => {});
    if (db.kind === "pglite") await touched;
    return value;
  });
  notifier.committed(await touched);
  return result;
}
