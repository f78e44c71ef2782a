import type { EventSink } from "../bus/subscription";
import { liveEvent, type WireEvent } from "../domain/realtime-events";

export interface SseOptions {
  /** A `: ping` comment after this much silence keeps proxies from closing the stream. */
  keepAliveMs: number;
  /** The server ends every stream after this long (clients reconnect and resume). */
  maxDurationMs: number;
  /** Bytes a stream may hold for a client that does not read; beyond it the client is cut off. */
  bufferBytes: number;
  /** How long a cut-off client gets to read the reason before the connection is dropped. */
  lingerMs?: number;
}

const encoder = new TextEncoder();

/**
 * A Server-Sent Events response: unnamed `data:` messages (the SDK listens only to `message`), each with the `id:`
 * of its stored row when it has one. Only the last event a client receives from one row carries the id, so a
 * client that drops in between gets the whole row again rather than half of it.
 */
export class SseStream implements EventSink {
  readonly response: Response;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private closed = false;
  private lastWrite = Date.now();
  private timers: ReturnType<typeof setInterval>[] = [];
  private waiters: (() => void)[] = [];
  private onEnd: (() => void)[] = [];
  private linger?: ReturnType<typeof setTimeout>;

  constructor(private opts: SseOptions, signal?: AbortSignal) {
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
          // Headers go out with the first bytes: send a comment at once so clients see the stream open.
          controller.enqueue(encoder.encode(": connected\n\n"));
        },
        pull: () => this.release(),
        cancel: () => {
          clearTimeout(this.linger);
          this.finish();
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: opts.bufferBytes }),
    );
    this.response = new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      },
    });
    this.timers.push(
      setInterval(() => {
        if (Date.now() - this.lastWrite >= opts.keepAliveMs) this.raw(": ping\n\n");
      }, Math.max(50, Math.floor(opts.keepAliveMs / 3))),
    );
    const maxTimer = setTimeout(() => this.close(), opts.maxDurationMs);
    this.onEnd.push(() => clearTimeout(maxTimer));
    signal?.addEventListener("abort", () => this.finish());
  }

  /** Runs when the stream ends for any reason (client gone, server closed it). */
  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.onEnd.push(fn);
  }

  write(events: WireEvent[]): boolean {
    if (this.closed) return true;
    let text = "";
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const lastOfRow = e.id !== null && events[i + 1]?.id !== e.id;
      text += lastOfRow ? `id: ${e.id}\ndata: ${e.json}\n\n` : `data: ${e.json}\n\n`;
    }
    return this.raw(text);
  }

  ready(): Promise<void> {
    if (this.closed || (this.controller.desiredSize ?? 0) > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(reason?: string): void {
    if (this.closed) return;
    if (reason) this.write([liveEvent("Error", { message: reason })]);
    try {
      this.controller.close();
    } catch {}
    // A client that never reads would keep its buffer forever: drop the connection if it has not drained.
    this.linger = setTimeout(() => {
      if ((this.controller.desiredSize ?? this.opts.bufferBytes) < this.opts.bufferBytes) {
        try {
          this.controller.error(new Error(reason ?? "stream closed"));
        } catch {}
      }
    }, this.opts.lingerMs ?? 10_000);
    this.finish();
  }

  /** Writes raw SSE text; false when more than the buffer bound is waiting for the client. */
  private raw(text: string): boolean {
    if (this.closed) return true;
    this.lastWrite = Date.now();
    try {
      this.controller.enqueue(encoder.encode(text));
    } catch {
      this.finish();
      return true;
    }
    return (this.controller.desiredSize ?? 0) >= 0;
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.release();
    for (const f of this.onEnd.splice(0)) f();
  }
}
