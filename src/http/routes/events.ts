import { pathId } from "../body";
import { Hono, type Context } from "hono";
import type { AppEnv, RequestAuth } from "../auth";
import type { Engine } from "../../engine/context";
import type { EventHub } from "../../bus/event-hub";
import { Subscription } from "../../bus/subscription";
import { SseStream } from "../sse";
import * as events from "../../engine/events";
import { AppError } from "../../domain/errors";
import { liveEvent, parseEventNames, positionAfter, TERMINAL_STATUSES, type EventFilter, type Position, type WireEvent } from "../../domain/realtime-events";

/** Ends a job's stream once its terminal status has been sent (upstream behaviour the SDK expects). */
class JobStream extends SseStream {
  override write(events: WireEvent[]): boolean {
    const ok = super.write(events);
    const terminal = events.some((e) => e.name === "job.status_changed" && TERMINAL_STATUSES.has(JSON.parse(e.json).data.new_status));
    if (terminal) this.close();
    return ok;
  }
}

/**
 * GET /api/v1/events, /events/queues/{name}, /events/jobs/{id} (contract realtime.md section 3): stored events
 * live from the node's hub, resumable with Last-Event-ID, plus the periodic upstream events (SystemHealth every
 * 10 s on the org stream, QueueStats every 5 s on a queue stream).
 */
export function eventRoutes(engine: Engine, hub: EventHub, auth: RequestAuth) {
  const app = new Hono<AppEnv>();
  app.use("*", auth.require({ allowQuery: true }));
  const cfg = engine.config;
  const sseOptions = { keepAliveMs: cfg.sseKeepAliveMs, maxDurationMs: cfg.streamMaxSecs * 1000, bufferBytes: cfg.streamBufferBytes };

  const resumeOf = (c: Context<AppEnv>) => events.resumePosition(engine, c.req.header("last-event-id") ?? c.req.query("last_event_id"));

  function subscribe(stream: SseStream, filter: EventFilter, resumeAfter: Position | undefined, startAt?: Position) {
    const sub = new Subscription(hub, filter, stream, { maxHeldEvents: 10_000, pageSize: 500 });
    stream.onClose(() => sub.close());
    void sub.start({ resumeAfter, startAt, read: events.catchUpReader(engine, filter) }).catch((err) => {
      console.warn(`[events] stream replay failed: ${(err as Error).message}`);
      stream.close("Database error");
    });
  }

  /** Sends `make()` every `everyMs` until the stream ends. */
  function every(stream: SseStream, everyMs: number, make: () => Promise<WireEvent>) {
    const timer = setInterval(() => {
      make().then((e) => stream.write([e]), () => stream.write([liveEvent("Error", { message: "Database error" })]));
    }, everyMs);
    stream.onClose(() => clearInterval(timer));
  }

  app.get("/", async (c) => {
    const p = c.get("principal");
    const filter = events.streamFilter(p, { kind: "org" }, parseEventNames(c.req.query("events")));
    const stream = new SseStream(sseOptions, c.req.raw.signal);
    if (filter.names === null || filter.names.has("system.health")) every(stream, 10_000, () => events.systemHealthEvent(engine, p.orgId));
    subscribe(stream, filter, await resumeOf(c));
    return stream.response;
  });

  app.get("/queues/:name", async (c) => {
    const p = c.get("principal");
    const queue = c.req.param("name");
    const filter = events.streamFilter(p, { kind: "queue", queue }, parseEventNames(c.req.query("events")));
    const stream = new SseStream(sseOptions, c.req.raw.signal);
    if (filter.names === null || filter.names.has("queue.stats")) {
      stream.write([await events.queueStatsEvent(engine, p, queue)]);
      every(stream, 5_000, () => events.queueStatsEvent(engine, p, queue));
    }
    subscribe(stream, filter, await resumeOf(c));
    return stream.response;
  });

  app.get("/jobs/:id", async (c) => {
    const p = c.get("principal");
    const filter = events.streamFilter(p, { kind: "job", jobId: pathId(c) }, new Set(["job.status_changed"]));
    const stream = new JobStream(sseOptions, c.req.raw.signal);
    let observed: Awaited<ReturnType<typeof events.observeJob>>;
    try {
      observed = await events.observeJob(engine, p, filter.jobId!);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== "NOT_FOUND") throw err;
      stream.write([liveEvent("Error", { message: "Job not found" }, p.orgId)]);
      stream.close();
      return stream.response;
    }
    // A resuming client gets what it missed; a new one (or one that missed nothing of a finished job) first
    // learns the current status, and a finished job's stream ends there.
    const resumeAfter = await resumeOf(c);
    const missedNothing = !resumeAfter || !observed.position || !positionAfter(observed.position, resumeAfter);
    if (missedNothing && (!resumeAfter || TERMINAL_STATUSES.has(observed.status))) {
      stream.write([observed.event]);
      if (TERMINAL_STATUSES.has(observed.status)) return stream.response;
    }
    subscribe(stream, filter, resumeAfter, observed.position);
    return stream.response;
  });

  return app;
}
