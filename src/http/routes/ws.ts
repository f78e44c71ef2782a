import { Hono } from "hono";
import type { ServerWebSocket } from "bun";
import type { AppEnv } from "../auth";
import { bearerOf, type RequestAuth } from "../auth";
import type { Engine, Principal } from "../../engine/context";
import type { EventHub } from "../../bus/event-hub";
import { Subscription, TOO_SLOW, type EventSink } from "../../bus/subscription";
import { upgradeToWebSocket, type SocketData, type SocketSession } from "../websocket";
import { streamFilter } from "../../engine/events";
import { liveEvent, parseEventNames, type WireEvent } from "../../domain/realtime-events";

const QUEUE_PATTERN = /^[A-Za-z0-9_.*\-]{1,100}$/;

/** A Subscribe/Unsubscribe filter: an event matches when it has every key the filter gives. */
interface Interest {
  queue?: string;
  job_id?: string;
}

const globToRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.\-]/g, "\\$&").replace(/\*/g, ".*")}$`);

/**
 * One client socket: the same events as SSE (contract realtime.md section 2), narrowed by the query filters and by
 * the union of its Subscribe commands (none = everything of the organization); a Ping event on open and every 30 s.
 */
class EventSocket implements SocketSession {
  private ws?: ServerWebSocket<SocketData>;
  private interests: Interest[] = [];
  private subscription: Subscription;
  private pinger?: ReturnType<typeof setInterval>;

  constructor(
    private hub: EventHub,
    private principal: Principal,
    private opts: { pingMs: number; bufferBytes: number; queueGlob?: RegExp; jobId?: string; names: Set<string> | null; onEnd: () => void },
  ) {
    const filter = streamFilter(principal, { kind: "org" }, opts.names);
    if (opts.jobId) filter.jobId = opts.jobId;
    this.subscription = new Subscription(hub, filter, new SocketSink(this), { maxHeldEvents: 10_000, pageSize: 500, extraFilter: (e) => this.interested(e) });
  }

  private interested(e: WireEvent): boolean {
    if (this.opts.queueGlob && (e.queue === null || !this.opts.queueGlob.test(e.queue))) return false;
    if (this.interests.length === 0) return true;
    return this.interests.some((i) => (i.queue === undefined || i.queue === e.queue) && (i.job_id === undefined || i.job_id === e.jobId));
  }

  open(ws: ServerWebSocket<SocketData>): void {
    this.ws = ws;
    this.ping();
    this.pinger = setInterval(() => this.ping(), this.opts.pingMs);
    void this.subscription.start({ read: async () => [] });
  }

  private ping(): void {
    this.write([liveEvent("Ping", {}, this.principal.orgId)]);
  }

  message(_ws: ServerWebSocket<SocketData>, message: string | Buffer): void {
    let cmd: any;
    try {
      cmd = JSON.parse(typeof message === "string" ? message : message.toString("utf8"));
    } catch {
      return; // unknown or invalid frames are ignored
    }
    if (!cmd || typeof cmd !== "object") return;
    const interest: Interest = {};
    if (typeof cmd.queue === "string") interest.queue = cmd.queue;
    if (typeof cmd.job_id === "string") interest.job_id = cmd.job_id;
    const same = (i: Interest) => i.queue === interest.queue && i.job_id === interest.job_id;
    if (cmd.cmd === "Ping") this.ping();
    else if (cmd.cmd === "Subscribe" && !this.interests.some(same)) this.interests.push(interest);
    else if (cmd.cmd === "Unsubscribe") this.interests = this.interests.filter((i) => !same(i));
  }

  close(): void {
    clearInterval(this.pinger);
    this.subscription.close();
    this.opts.onEnd();
  }

  write(events: WireEvent[]): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) return true;
    for (const e of events) ws.send(e.json);
    return ws.getBufferedAmount() <= this.opts.bufferBytes;
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  /** Server side end: a reason (a slow consumer) goes out as an Error event and as the close reason. */
  end(reason?: string): void {
    if (!this.ws || this.ws.readyState !== 1) return;
    // A WebSocket cannot resume, so the SSE advice about Last-Event-ID does not apply.
    if (reason) this.ws.send(liveEvent("Error", { message: reason === TOO_SLOW ? "Subscriber too slow: event buffer limit exceeded" : reason }).json);
    this.ws.close(reason ? 1013 : 1000, reason ? "Subscriber too slow" : "");
    // A peer that does not read never completes the close handshake.
    const ws = this.ws;
    setTimeout(() => ws.readyState !== 3 && ws.terminate(), 10_000);
  }
}

// EventSink.close is the server-side end, SocketSession.close is Bun reporting that the socket closed: both
// interfaces name it close, so the sink side goes through this adapter.
class SocketSink implements EventSink {
  constructor(private socket: EventSocket) {}
  write = (events: WireEvent[]) => this.socket.write(events);
  ready = () => this.socket.ready();
  close = (reason?: string) => this.socket.end(reason);
}

/** GET /api/v1/ws: the WebSocket upgrade (auth by `?token=` / `?api_key=` or a Bearer header). */
export function wsRoutes(engine: Engine, hub: EventHub, auth: RequestAuth) {
  const app = new Hono<AppEnv>();
  const openPerOrg = new Map<string, number>();

  app.get("/", async (c) => {
    let token: string | undefined;
    try {
      token = bearerOf(c, true);
    } catch {
      token = undefined;
    }
    if (!token) return c.text("Missing authentication token", 401);
    let principal: Principal;
    try {
      principal = await auth.resolve(token);
    } catch {
      return c.text("Invalid or expired token", 401);
    }
    await auth.admit(c, principal);
    const queue = c.req.query("queue");
    if (queue !== undefined && !QUEUE_PATTERN.test(queue)) return c.text("Invalid queue filter", 400);
    if ((openPerOrg.get(principal.orgId) ?? 0) >= engine.config.wsMaxPerOrg) return c.text("Too many WebSocket connections for this organization", 429);

    let counted = true;
    openPerOrg.set(principal.orgId, (openPerOrg.get(principal.orgId) ?? 0) + 1);
    const release = () => {
      if (!counted) return;
      counted = false;
      const n = (openPerOrg.get(principal.orgId) ?? 1) - 1;
      if (n <= 0) openPerOrg.delete(principal.orgId);
      else openPerOrg.set(principal.orgId, n);
    };
    const socket = new EventSocket(hub, principal, {
      pingMs: engine.config.wsPingMs,
      bufferBytes: engine.config.streamBufferBytes,
      queueGlob: queue ? globToRegExp(queue) : undefined,
      jobId: c.req.query("job_id") || undefined,
      names: parseEventNames(c.req.query("events")),
      onEnd: release,
    });
    const upgraded = upgradeToWebSocket(c, socket);
    if (upgraded) return upgraded;
    release();
    return c.text("Expected a WebSocket upgrade", 426);
  });
  return app;
}
