import { hostname } from "node:os";
import type { Engine, OutboundHttp } from "../engine/context";
import { emitEvent } from "../engine/context";
import { HostGates, type AttemptSignal } from "./host-gates";
import { vetTarget, type Resolver } from "./target";
import { attemptHttp, isDestinationFailure, type AttemptOutcome, type HttpRequestSpec } from "./http-attempt";

/**
 * What the node's delivery machinery shares: one budget of concurrent requests for both kinds of delivery,
 * the per-host gates, and the stop signal. One per server, built by the webhooks feature.
 */
export class DeliveryRuntime {
  readonly gates: HostGates;
  readonly workerId = `spindle-http@${hostname()}-${process.pid}`;
  readonly stopping = new AbortController();
  /** Tests may substitute DNS; production uses the system resolver. */
  resolve?: Resolver;
  private inFlight = 0;
  private waiters = new Set<() => void>();

  constructor(readonly engine: Engine) {
    const w = engine.config.webhooks;
    this.gates = new HostGates(
      // Every host starts at one request at a time and earns its concurrency with fast answers (slow start).
      { maxPerHost: w.hostConcurrency, failureThreshold: w.breakerFailures, cooldownMs: w.breakerCooldownMs, initialLimit: 1 },
      (gate, orgs, kind) => {
        const type = kind === "circuit" ? "delivery.circuit_changed" : "delivery.host_limit_changed";
        for (const orgId of orgs) {
          engine.db
            .transaction((tx) => emitEvent(engine, tx, { type, orgId, data: { ...gate } }))
            .catch(() => {});
        }
      },
    );
  }

  get freeSlots(): number {
    return Math.max(0, this.engine.config.webhooks.concurrency - this.inFlight);
  }

  /** Takes n slots, or gives back -n: slots given back wake the other loop, which may have found none free. */
  reserve(n: number): void {
    this.inFlight += n;
    if (n < 0) this.wakeAll();
  }

  releaseSlot(): void {
    this.inFlight--;
    this.wakeAll();
  }

  /** Resolves on the next wake-up (a slot freed, new work signalled, stop) or after timeoutMs. */
  waitForWork(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }

  private work = new Set<Promise<void>>();

  /** Deliveries under way on this node (each holds one slot until it is booked). */
  get busy(): number {
    return this.work.size;
  }

  /** Runs one delivery in the background; its slot is freed when it is done, whatever happened. */
  track(delivery: Promise<void>, what: string): void {
    const tracked = delivery
      .catch((err) => {
        if (!this.engine.config.quiet) console.warn(`[delivery] ${what} failed: ${(err as Error).message}`);
      })
      .finally(() => {
        this.work.delete(tracked);
        this.releaseSlot();
      });
    this.work.add(tracked);
  }

  /**
   * Calls pump until stopped: again at once while it finds work, else after a wake-up or IDLE_POLL_MS.
   * Waits for the deliveries under way before returning.
   */
  async loop(what: string, pump: () => Promise<number>): Promise<void> {
    const stop = this.stopping.signal;
    while (!stop.aborted) {
      let started = 0;
      try {
        started = await pump();
      } catch (err) {
        if (!this.engine.config.quiet) console.warn(`[delivery] ${what} failed: ${(err as Error).message}`);
      }
      // PGlite answers without a trip through the event loop: yield, or sockets and timers starve.
      if (started === 0 && !stop.aborted) await this.waitForWork(IDLE_POLL_MS);
      else await Bun.sleep(0);
    }
    await Promise.allSettled([...this.work]);
  }
}

const IDLE_POLL_MS = 250;
/** How long a request may wait in its host's line before its work is handed back. */
const HOST_WAIT_MS = 5000;

export type SendResult =
  | { kind: "sent"; outcome: AttemptOutcome }
  /** The host's breaker is open or its line is full: try again after waitMs, without counting an attempt. */
  | { kind: "refused"; waitMs: number; reason: string }
  /** The node is stopping and the attempt was cut short: hand the work back as it was. */
  | { kind: "interrupted" };

/** One attempt through the destination's gate; the gate learns from the outcome. */
export async function sendThroughGate(rt: DeliveryRuntime, url: string, orgId: string, build: () => Promise<HttpRequestSpec>): Promise<SendResult> {
  let host: string;
  try {
    host = new URL(url).host;
  } catch {
    host = url;
  }
  const admission = await rt.gates.acquire(host, orgId, HOST_WAIT_MS);
  if (!admission.admitted) return { kind: "refused", waitMs: admission.waitMs, reason: admission.reason };
  let outcome: AttemptOutcome | undefined;
  const stop = rt.stopping.signal;
  try {
    outcome = await attemptHttp(await build(), rt.engine.config.mode, rt.resolve, stop);
  } finally {
    const judged = outcome && outcome.errorClass !== "blocked" && !stop.aborted;
    rt.gates.release(host, judged ? !isDestinationFailure(outcome!) : null, judged ? attemptSignal(outcome!) : {});
  }
  if (stop.aborted && !outcome.ok) return { kind: "interrupted" };
  return { kind: "sent", outcome };
}

/** What an answer says about the host's load: 429, 503 and timeouts are congestion; Retry-After is a pause. */
function attemptSignal(o: AttemptOutcome): AttemptSignal {
  const congested = o.errorClass === "timeout" || o.status === 429 || o.status === 503;
  return { congested, latencyMs: o.latencyMs, retryAfterMs: congested && o.retryAfterSecs ? o.retryAfterSecs * 1000 : null };
}

/** The engine's view of this runtime: SSRF vetting with its resolver, single attempts, wake-ups, host states. */
export function outboundHttp(rt: DeliveryRuntime): OutboundHttp {
  const mode = rt.engine.config.mode;
  return {
    vet: async (url) => void (await vetTarget(url, mode, rt.resolve)),
    attempt: (spec) => attemptHttp(spec, mode, rt.resolve),
    wake: () => rt.wakeAll(),
    hostStates: (orgId) => rt.gates.list(orgId),
  };
}
