import type { Engine, Principal } from "../engine/context";
import { claimForWorkers } from "../engine/stream-claims";
import { handBackJobs } from "./active-streams";

/**
 * Idle streams sleep until the job bus says their queue changed. The poll only catches what no event announces
 * (a retried job whose backoff ran out, a notification lost in a reconnect), so it can be slow.
 */
export const SAFETY_POLL_MS = 2000;

/** A streaming worker of a queue on this node: what it wants now, and where its jobs go. */
export interface FeedConsumer {
  principal: Principal;
  workerId: string;
  leaseSecs: number;
  /** Jobs it may hold at once (its prefetch); null = one job each time it is ready to send the next. */
  cap: number | null;
  /** Jobs it would take now (0 = skip it this round). */
  want(): number;
  /** Hands it the jobs claimed for it; false when it is gone (the jobs are then handed back). */
  deliver(jobs: any[]): boolean;
  /** Asked once, for a one-shot consumer: the round found nothing for it. */
  empty?(): void;
}

/**
 * The streaming workers of one (organization, queue) on this node. Every job event of the queue (claims and
 * completions included) raises the same signal; instead of each worker claiming for itself, the feed claims for
 * all of them at once: one statement per round deals jobs to every worker that wants some (within its prefetch
 * cap), and rounds repeat while jobs keep coming. Settlements on any node commit job events, whose signal starts
 * the next round: that is how a worker at its cap gets more once it has finished some.
 */
export class QueueFeed {
  private consumers: FeedConsumer[] = [];
  private draining = false;
  private dirty = false;
  private poll?: ReturnType<typeof setInterval>;
  /** Open streams using this feed; it lives exactly as long as one does, so no signal is dropped in between. */
  users = 0;

  constructor(private engine: Engine, private queueName: string) {}

  join(c: FeedConsumer): () => void {
    this.consumers.push(c);
    this.poll ??= setInterval(() => this.wake(), SAFETY_POLL_MS);
    this.wake();
    return () => {
      const i = this.consumers.indexOf(c);
      if (i >= 0) this.consumers.splice(i, 1);
      if (this.consumers.length === 0) {
        clearInterval(this.poll);
        this.poll = undefined;
      }
    };
  }

  wake(): void {
    this.dirty = true;
    if (this.draining) return;
    if (this.engine.db.kind !== "pglite") return void this.drain();
    // The embedded database answers within one turn of the event loop: let the requests already received join
    // this round (as group commits do) instead of claiming for one dequeue at a time.
    this.draining = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.dirty) {
        this.dirty = false;
        const wanting = this.consumers.filter((c) => c.want() > 0);
        if (wanting.length === 0) break;
        let jobs: any[];
        try {
          jobs = await this.claimFor(wanting);
        } catch (err) {
          console.error("[grpc] stream claim failed:", err);
          for (const c of wanting) c.empty?.();
          continue; // the safety poll or the next signal tries again
        }
        this.dealOut(wanting, jobs);
        // A round that found work may not have found all of it; an empty one waits for the next signal.
        if (jobs.length > 0) this.dirty = true;
      }
    } finally {
      this.draining = false;
    }
  }

  /** One claim for every wanting worker; consumers sharing a worker id share its want and cap. */
  private claimFor(wanting: FeedConsumer[]): Promise<any[]> {
    const byWorker = new Map<string, { workerId: string; want: number; cap: number | null; leaseSecs: number }>();
    for (const c of wanting) {
      const w = byWorker.get(c.workerId);
      if (!w) byWorker.set(c.workerId, { workerId: c.workerId, want: c.want(), cap: c.cap, leaseSecs: c.leaseSecs });
      else {
        w.want += c.want();
        w.cap = w.cap === null || c.cap === null ? null : w.cap + c.cap;
      }
    }
    return claimForWorkers(this.engine, wanting[0]!.principal, this.queueName, [...byWorker.values()]);
  }

  private dealOut(wanting: FeedConsumer[], jobs: any[]): void {
    const served = new Set<FeedConsumer>();
    for (const workerId of new Set(jobs.map((j) => j.assigned_worker_id as string))) {
      const mine = jobs.filter((j) => j.assigned_worker_id === workerId);
      const owners = wanting.filter((c) => c.workerId === workerId);
      owners.forEach((c, k) => {
        // Streams sharing a worker id split its jobs by their wants; the last one takes any rest.
        const share = k === owners.length - 1 ? mine.splice(0) : mine.splice(0, c.want());
        if (share.length === 0) return;
        served.add(c);
        // The stream closed while we claimed for it, after its own cleanup ran: hand its jobs back.
        if (!c.deliver(share)) void handBackJobs(this.engine, c.principal.orgId, c.workerId);
      });
    }
    for (const c of wanting) if (!served.has(c)) c.empty?.();
  }
}

/** The feeds of one engine, woken by its job signals (this node's and, through NOTIFY, every other node's). */
export class QueueFeeds {
  private feeds = new Map<string, QueueFeed>();

  constructor(private engine: Engine) {
    engine.signals.subscribe((orgId, queueName) => {
      if (orgId === "*") for (const feed of this.feeds.values()) feed.wake();
      else this.feeds.get(`${orgId}\n${queueName}`)?.wake();
    });
  }

  /** The feed of a queue for one stream's lifetime; call the returned close when the stream ends. */
  open(orgId: string, queueName: string): { feed: QueueFeed; close: () => void } {
    const key = `${orgId}\n${queueName}`;
    let feed = this.feeds.get(key);
    if (!feed) this.feeds.set(key, (feed = new QueueFeed(this.engine, queueName)));
    feed.users++;
    let closed = false;
    return {
      feed,
      close: () => {
        if (closed) return;
        closed = true;
        if (--feed.users === 0) this.feeds.delete(key);
      },
    };
  }
}
