import type { Engine, Principal } from "../engine/context";
import { claimJobs, type ClaimRequest } from "../engine/leases";
import { handBackJobs } from "./active-streams";

/**
 * Idle streams sleep until the job bus says their queue changed. The poll only catches what no event announces
 * (a retried job whose backoff ran out, a notification lost in a reconnect), so it can be slow.
 */
export const SAFETY_POLL_MS = 2000;

interface Waiter {
  principal: Principal;
  claim: ClaimRequest;
  signal: AbortSignal;
  resolve: (job: any | null) => void;
  reject: (err: unknown) => void;
}

/**
 * The idle streaming workers of one (organization, queue) on this node. Every job event of the queue (claims and
 * completions included) raises the same signal, so waking every waiter would cost one empty claim per worker per
 * event. Instead the feed claims on behalf of its waiters, first come first served, and stops at the first empty
 * claim: one query per signal however many workers wait.
 */
class QueueFeed {
  private waiters: Waiter[] = [];
  private draining = false;
  private dirty = false;
  private poll?: ReturnType<typeof setInterval>;
  /** Bumped on every signal, so a worker can tell whether one arrived while it was claiming by itself. */
  generation = 0;
  /** Open streams using this feed; it lives exactly as long as one does, so no signal is dropped in between. */
  users = 0;

  constructor(private engine: Engine) {}

  /** Resolves with a job leased to the waiter, or null once its stream is gone (also when it already is). */
  wait(w: Omit<Waiter, "resolve" | "reject">, seenGeneration: number): Promise<any | null> {
    if (w.signal.aborted) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { ...w, resolve, reject };
      const leave = () => {
        this.remove(waiter);
        resolve(null);
      };
      w.signal.addEventListener("abort", leave, { once: true });
      waiter.resolve = (job) => {
        w.signal.removeEventListener("abort", leave);
        resolve(job);
      };
      waiter.reject = (err) => {
        w.signal.removeEventListener("abort", leave);
        reject(err);
      };
      this.waiters.push(waiter);
      this.poll ??= setInterval(() => this.wake(), SAFETY_POLL_MS);
      if (seenGeneration !== this.generation) this.wake();
    });
  }

  wake(): void {
    this.generation++;
    this.dirty = true;
    if (!this.draining) void this.drain();
  }

  private remove(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
    if (this.waiters.length === 0) {
      clearInterval(this.poll);
      this.poll = undefined;
    }
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.dirty && this.waiters.length > 0) {
        this.dirty = false;
        while (this.waiters.length > 0) {
          const w = this.waiters[0];
          let job: any;
          try {
            [job] = await claimJobs(this.engine, w.principal, { ...w.claim, limit: 1 });
          } catch (err) {
            this.remove(w);
            w.reject(err);
            continue;
          }
          if (!job) break;
          if (w.signal.aborted) {
            // The stream closed while we claimed for it, after its own cleanup ran: hand the job back.
            await handBackJobs(this.engine, w.principal.orgId, w.claim.workerId);
            continue;
          }
          this.remove(w);
          w.resolve(job);
        }
      }
    } finally {
      this.draining = false;
    }
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
    if (!feed) this.feeds.set(key, (feed = new QueueFeed(this.engine)));
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
