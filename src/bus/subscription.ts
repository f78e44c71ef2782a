import type { EventHub, HubSubscriber } from "./event-hub";
import { accepts, laterOf, positionAfter, toWireEvents, type EventFilter, type Position, type StoredEvent, type WireEvent } from "../domain/realtime-events";

/** Where a subscription writes: an SSE response or a WebSocket. */
export interface EventSink {
  /** Writes events; false when the consumer has fallen too far behind (its buffer is over its bound). */
  write(events: WireEvent[]): boolean;
  /** Resolves when the consumer has room again (paces a catch-up). */
  ready(): Promise<void>;
  /** Ends the stream; a reason tells the client why (it may resume). */
  close(reason?: string): void;
}

/** Reads the stored events of this subscription in (from, to], a page at a time. */
export type CatchUpReader = (from: Position, to: Position, limit: number) => Promise<StoredEvent[]>;

export const TOO_SLOW = "Subscriber too slow: event buffer limit exceeded; reconnect with Last-Event-ID to resume";

/**
 * One subscriber: optionally replays stored events after a resume position, then receives live events from the
 * hub. Live events that arrive during the replay wait in a bounded list; overflowing it, or the sink's own buffer,
 * ends the subscription with a reason instead of slowing anyone else.
 */
export class Subscription implements HubSubscriber {
  readonly orgId: string;
  /** Last position delivered (or skipped by the filter). */
  private cursor: Position = { tx: 0, id: 0 };
  private replaying = true;
  private held: WireEvent[] = [];
  private closed = false;

  constructor(
    private hub: EventHub,
    readonly filter: EventFilter,
    private sink: EventSink,
    private opts: { maxHeldEvents: number; pageSize: number; extraFilter?: (e: WireEvent) => boolean },
  ) {
    this.orgId = filter.orgId;
  }

  /**
   * Joins the hub. With `resumeAfter`, first replays what was recorded after it (up to where the hub stands);
   * without, starts live at `startAt` or at the hub's position, whichever is later.
   */
  async start(opts: { resumeAfter?: Position; startAt?: Position; read: CatchUpReader }): Promise<void> {
    const live = this.hub.add(this);
    if (opts.resumeAfter) {
      let from = opts.resumeAfter;
      while (!this.closed) {
        const rows = await opts.read(from, live, this.opts.pageSize);
        if (rows.length === 0) break;
        const events = rows.flatMap(toWireEvents).filter((e) => this.wants(e));
        from = { tx: rows.at(-1)!.tx, id: rows.at(-1)!.id };
        if (events.length > 0) {
          // A replay is paced by the client (one page at a time), so a page over the bound is no overflow.
          this.sink.write(events);
          await this.sink.ready();
        }
        if (rows.length < this.opts.pageSize) break;
      }
      this.cursor = laterOf(opts.resumeAfter, live);
    } else {
      this.cursor = opts.startAt ? laterOf(opts.startAt, live) : live;
    }
    this.replaying = false;
    const held = this.held;
    this.held = [];
    this.deliver(held);
  }

  push(events: WireEvent[]): void {
    if (this.closed) return;
    const mine = events.filter((e) => this.wants(e));
    if (mine.length === 0) return;
    if (this.replaying) {
      this.held.push(...mine);
      if (this.held.length > this.opts.maxHeldEvents) this.overflow();
      return;
    }
    this.deliver(mine);
  }

  private wants(e: WireEvent): boolean {
    return accepts(this.filter, e) && (!this.opts.extraFilter || this.opts.extraFilter(e));
  }

  private deliver(events: WireEvent[]): void {
    const fresh = events.filter((e) => e.pos === null || positionAfter(e.pos, this.cursor));
    if (fresh.length === 0 || this.closed) return;
    const last = fresh.findLast((e) => e.pos !== null);
    if (last) this.cursor = last.pos!;
    if (!this.sink.write(fresh)) this.overflow();
  }

  private overflow(): void {
    this.close(TOO_SLOW);
  }

  /** Leaves the hub; with a reason, the sink tells the client why. */
  close(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.remove(this);
    this.held = [];
    this.sink.close(reason);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
