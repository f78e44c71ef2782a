import type { Db } from "../db/types";
import type { JobSignals } from "./job-signals";
import { currentHorizon, readEventsAfter } from "../store/events";
import { laterOf, toWireEvents, type Position, type WireEvent } from "../domain/realtime-events";

/** A local consumer of live events (an SSE stream, a WebSocket); it filters for itself. */
export interface HubSubscriber {
  readonly orgId: string;
  push(events: WireEvent[]): void;
  /** Ends the subscriber's stream from the server side. */
  close?(reason?: string): void;
}

export interface EventHubOptions {
  /** Safety-net read interval when no NOTIFY arrives (lost notification, reconnect gap). */
  pollMs: number;
  /** Rows per read. */
  batch: number;
  /** How soon to look again when a committed row waits behind an older, still running transaction. */
  settleMs: number;
}

/** With no subscriber on the node, how often the hub moves its position up to the database's horizon. */
const IDLE_ADVANCE_MS = 200;

/**
 * The node's single fan-out: one tailer reads new rows of job_events and domain_events in position order after a
 * NOTIFY (or the slow poll) and hands each organization's events to that organization's local subscribers. One
 * query per wake-up for the whole node, however many subscribers there are.
 */
export class EventHub {
  /** Everything at or before this position has been handed to subscribers. */
  position: Position = { tx: 0, id: 0 };
  private subscribers = new Map<string, Set<HubSubscriber>>();
  private running = false;
  private again = false;
  private stopped = false;
  private failing = false;
  private cleanups: (() => unknown)[] = [];
  private lastIdleAdvance = 0;
  private idleTimer?: ReturnType<typeof setTimeout>;

  constructor(private db: Db, private signals: JobSignals, private opts: EventHubOptions) {}

  async start(): Promise<void> {
    this.position = await currentHorizon(this.db);
    this.cleanups.push(this.signals.subscribe(() => this.wake()));
    const unlisten = await this.db.listen("spindle_domain_events", () => this.wake(), () => this.wake());
    this.cleanups.push(unlisten);
    const poll = setInterval(() => this.wake(), this.opts.pollMs);
    this.cleanups.push(() => clearInterval(poll));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.idleTimer);
    for (const c of this.cleanups.reverse()) await c();
    this.subscribers.clear();
  }

  /**
   * Ends every local stream (the node is shutting down): SSE and WebSocket streams never finish by themselves,
   * and their clients reconnect, to another node, resuming from their last event id.
   */
  endStreams(): void {
    for (const set of this.subscribers.values()) for (const s of [...set]) s.close?.();
  }

  /** Registers a subscriber; returns the position after which it will receive events live. */
  add(s: HubSubscriber): Position {
    let set = this.subscribers.get(s.orgId);
    if (!set) this.subscribers.set(s.orgId, (set = new Set()));
    set.add(s);
    return this.position;
  }

  remove(s: HubSubscriber): void {
    const set = this.subscribers.get(s.orgId);
    if (!set) return;
    set.delete(s);
    if (set.size === 0) this.subscribers.delete(s.orgId);
  }

  get subscriberCount(): number {
    let n = 0;
    for (const set of this.subscribers.values()) n += set.size;
    return n;
  }

  countForOrg(orgId: string): number {
    return this.subscribers.get(orgId)?.size ?? 0;
  }

  /** Something may have been recorded: read now, or once more after the read in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.drain()
      .then(
        () => {
          if (this.failing) console.warn("[events] tailer reads again");
          this.failing = false;
        },
        (err) => {
          // Once per outage (database restarting): the poll keeps trying and nothing is lost meanwhile.
          if (!this.failing) console.warn(`[events] tailer read failed: ${(err as Error).message}`);
          this.failing = true;
        },
      )
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      this.again = false;
      if (this.subscriberCount === 0) {
        // Nobody listens on this node: move past everything final instead of reading and shaping it. A subscriber
        // that joined meanwhile was promised events after the old position, so then read them after all.
        // Every commit wakes the hub, so with nobody listening the position moves at most every IDLE_ADVANCE_MS:
        // a subscriber joining reads from a slightly older position, which costs it nothing but a longer read.
        const early = this.lastIdleAdvance + IDLE_ADVANCE_MS - Date.now();
        if (early > 0) {
          this.idleTimer ??= setTimeout(() => {
            this.idleTimer = undefined;
            this.wake();
          }, early);
          return;
        }
        this.lastIdleAdvance = Date.now();
        const horizon = await currentHorizon(this.db);
        if (this.subscriberCount > 0) continue;
        this.position = laterOf(horizon, this.position);
        return;
      }
      const rows = await readEventsAfter(this.db, this.position, this.opts.batch);
      // From here to the dispatch nothing awaits: a subscriber added meanwhile sees a consistent position.
      const byOrg = new Map<string, WireEvent[]>();
      let waiting = false;
      for (const row of rows) {
        if (!row.safe) {
          waiting = true;
          break;
        }
        this.position = { tx: row.tx, id: row.id };
        if (!this.subscribers.has(row.organization_id)) continue;
        const events = toWireEvents(row);
        if (events.length === 0) continue;
        const list = byOrg.get(row.organization_id);
        if (list) list.push(...events);
        else byOrg.set(row.organization_id, events);
      }
      for (const [orgId, events] of byOrg) {
        for (const s of [...(this.subscribers.get(orgId) ?? [])]) {
          try {
            s.push(events);
          } catch (err) {
            console.error("[events] subscriber failed:", err);
          }
        }
      }
      if (waiting) {
        setTimeout(() => this.wake(), this.opts.settleMs);
        return;
      }
      if (rows.length < this.opts.batch) return;
    }
  }
}
