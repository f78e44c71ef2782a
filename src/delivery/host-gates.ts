/**
 * Per-destination protection, per node: a circuit breaker and an adaptive concurrency limit for every host.
 *
 * closed: requests flow up to `limit` at once; `failureThreshold` consecutive destination failures open it.
 * open: nothing is sent until `retryAt`; then one probe goes out (half_open).
 * half_open: the probe's success closes the breaker with limit 1, and the limit grows again from there — a
 * recovered endpoint's backlog drains at a paced rate instead of all at once. A failed probe opens it again for
 * a doubled cooldown (up to 32x).
 *
 * The limit is AIMD: a fast success (under SLOW_ANSWER_MS, and at most twice the host's best latency or under
 * FAST_FLOOR_MS) raises it by
 * one below the slow-start threshold and by 1/limit above it, up to the cap; a slow success holds it; congestion
 * (429, 503, a timeout) halves it (once per DECREASE_SPACING_MS, so one burst of answers counts once) and sets
 * the threshold there. A Retry-After pauses the host until then and resumes it with one request at a time.
 */
export type BreakerState = "closed" | "open" | "half_open";

export interface HostGateView {
  host: string;
  state: BreakerState;
  consecutive_failures: number;
  in_flight: number;
  concurrency_limit: number;
  opened_at: string | null;
  retry_at: string | null;
  /** The cap the limit grows back to. */
  max_concurrency: number;
  /** Until when the host asked not to be sent anything (Retry-After), or null. */
  paused_until: string | null;
  /** The fastest answer seen from the host: the yardstick for "fast". */
  best_latency_ms: number | null;
}

/** What one attempt said about its host, besides healthy or not. */
export interface AttemptSignal {
  /** 429, 503 or a timeout: the host is overloaded. */
  congested?: boolean;
  latencyMs?: number;
  /** The host's Retry-After, in milliseconds. */
  retryAfterMs?: number | null;
}

const FAST_FLOOR_MS = 250;
/** A success slower than this never earns a host more concurrency: a slow endpoint keeps few of the node's slots. */
const SLOW_ANSWER_MS = 1000;
const DECREASE_SPACING_MS = 500;

interface Gate {
  host: string;
  state: BreakerState;
  failures: number;
  inFlight: number;
  /** Fractional: additive increase above the threshold adds 1/limit per success. Admission uses its floor. */
  limit: number;
  slowStartThreshold: number;
  bestLatencyMs: number | null;
  pausedUntil: number | null;
  lastDecreaseAt: number;
  openedAt: number | null;
  retryAt: number | null;
  cooldownMs: number;
  orgs: Set<string>;
  /** Requests waiting for a slot of this host, at most `limit` of them (more would hog the node's budget). */
  waiters: ((admission: Admission) => void)[];
}

export interface GatePolicy {
  maxPerHost: number;
  failureThreshold: number;
  cooldownMs: number;
  /** The limit a host starts with (default maxPerHost); 1 makes every host start slowly and earn its concurrency. */
  initialLimit?: number;
}

export type Admission = { admitted: true } | { admitted: false; waitMs: number; reason: string };

/** `circuit`: the breaker changed state; `limit`: the host was throttled (halved, paused) or is back at its cap. */
export type GateChange = (gate: HostGateView, orgs: string[], kind: "circuit" | "limit") => void;

const jitter = (ms: number) => ms * (0.75 + Math.random() * 0.5);

export class HostGates {
  private gates = new Map<string, Gate>();

  constructor(private policy: GatePolicy, private onChange: GateChange = () => {}) {}

  private gate(host: string): Gate {
    let g = this.gates.get(host);
    if (!g) {
      const limit = Math.min(this.policy.maxPerHost, this.policy.initialLimit ?? this.policy.maxPerHost);
      g = {
        host, state: "closed", failures: 0, inFlight: 0, limit, slowStartThreshold: this.policy.maxPerHost, bestLatencyMs: null, pausedUntil: null,
        lastDecreaseAt: 0, openedAt: null, retryAt: null, cooldownMs: this.policy.cooldownMs, orgs: new Set(), waiters: [],
      };
      this.gates.set(host, g);
    }
    return g;
  }

  /** Takes a slot for a request to `host` at once, or says how long to wait before asking again. */
  admit(host: string, orgId: string): Admission {
    const g = this.gate(host);
    g.orgs.add(orgId);
    if (g.state === "open") {
      const now = Date.now();
      if (now < g.retryAt!) return this.refusal(g);
      this.transition(g, "half_open");
    }
    if (this.paused(g)) return this.pauseRefusal(g);
    if (g.state === "half_open" && g.inFlight > 0) return { admitted: false, waitMs: jitter(Math.min(g.cooldownMs, 2000)), reason: `circuit half-open for ${host}, probe in flight` };
    if (g.inFlight >= Math.floor(g.limit)) return { admitted: false, waitMs: jitter(250), reason: `${host} is at its concurrency limit (${Math.floor(g.limit)})` };
    g.inFlight++;
    return { admitted: true };
  }

  /**
   * Like admit, but when the host is only busy (breaker closed) waits up to maxWaitMs for a slot, in a short line:
   * a slow host holds at most twice its cap of the node's slots, and a line that would be longer is refused.
   */
  async acquire(host: string, orgId: string, maxWaitMs: number): Promise<Admission> {
    const now = this.admit(host, orgId);
    const g = this.gate(host);
    if (now.admitted || g.state !== "closed" || this.paused(g) || g.waiters.length >= Math.floor(g.limit)) return now;
    return new Promise<Admission>((resolve) => {
      const timer = setTimeout(() => {
        g.waiters = g.waiters.filter((w) => w !== wake);
        resolve(now);
      }, maxWaitMs);
      const wake = (a: Admission) => {
        clearTimeout(timer);
        resolve(a);
      };
      g.waiters.push(wake);
    });
  }

  private refusal(g: Gate): Admission {
    return { admitted: false, waitMs: jitter(Math.max(0, g.retryAt! - Date.now())) + 50, reason: `circuit open for ${g.host}` };
  }

  private paused(g: Gate): boolean {
    if (g.pausedUntil === null) return false;
    if (Date.now() < g.pausedUntil) return true;
    g.pausedUntil = null;
    return false;
  }

  private pauseRefusal(g: Gate): Admission {
    return { admitted: false, waitMs: jitter(Math.max(0, g.pausedUntil! - Date.now())) + 50, reason: `${g.host} asked to wait (Retry-After)` };
  }

  /** Hands freed slots to waiters, or turns them away when the breaker opened or the host paused meanwhile. */
  private serveWaiters(g: Gate): void {
    while (g.waiters.length > 0) {
      if (g.state === "open" || this.paused(g)) {
        const refusal = g.state === "open" ? this.refusal(g) : this.pauseRefusal(g);
        for (const w of g.waiters.splice(0)) w(refusal);
        return;
      }
      if (g.state !== "closed" || g.inFlight >= Math.floor(g.limit)) return;
      g.inFlight++;
      g.waiters.shift()!({ admitted: true });
    }
  }

  /** Returns the slot with what the request said about the destination's health (null: nothing either way). */
  release(host: string, healthy: boolean | null, signal: AttemptSignal = {}): void {
    const g = this.gate(host);
    g.inFlight = Math.max(0, g.inFlight - 1);
    if (healthy !== null) this.adapt(g, healthy, signal);
    this.judge(g, healthy);
    this.serveWaiters(g);
  }

  /** The AIMD part: grow on fast successes, halve on congestion, pause on Retry-After. */
  private adapt(g: Gate, healthy: boolean, signal: AttemptSignal): void {
    const now = Date.now();
    const max = this.policy.maxPerHost;
    if (healthy) {
      if (signal.latencyMs !== undefined) g.bestLatencyMs = Math.min(g.bestLatencyMs ?? signal.latencyMs, signal.latencyMs);
      const latency = signal.latencyMs;
      const fast = latency === undefined || (latency < SLOW_ANSWER_MS && latency <= Math.max(FAST_FLOOR_MS, 2 * (g.bestLatencyMs ?? 0)));
      if (!fast || g.state !== "closed" || g.limit >= max) return;
      g.limit = Math.min(max, g.limit + (g.limit < g.slowStartThreshold ? 1 : 1 / g.limit));
      if (g.limit >= max) this.onChange(this.view(g), [...g.orgs], "limit");
      return;
    }
    let throttled = false;
    if (signal.congested && now - g.lastDecreaseAt >= DECREASE_SPACING_MS) {
      g.slowStartThreshold = Math.max(1, g.limit / 2);
      g.limit = Math.max(1, g.limit / 2);
      g.lastDecreaseAt = now;
      throttled = true;
    }
    if (signal.retryAfterMs && signal.retryAfterMs > 0) {
      g.pausedUntil = Math.max(g.pausedUntil ?? 0, now + signal.retryAfterMs);
      g.limit = 1;
      throttled = true;
    }
    if (throttled) this.onChange(this.view(g), [...g.orgs], "limit");
  }

  private judge(g: Gate, healthy: boolean | null): void {
    if (healthy === null) return;
    if (healthy) {
      g.failures = 0;
      if (g.state === "half_open") {
        g.cooldownMs = this.policy.cooldownMs;
        g.limit = 1;
        this.transition(g, "closed");
      }
      return;
    }
    g.failures++;
    if (g.state === "half_open") {
      g.cooldownMs = Math.min(this.policy.cooldownMs * 32, g.cooldownMs * 2);
      this.open(g);
    } else if (g.state === "closed" && g.failures >= this.policy.failureThreshold) {
      this.open(g);
    }
  }

  private open(g: Gate): void {
    g.openedAt = Date.now();
    g.retryAt = g.openedAt + g.cooldownMs;
    this.transition(g, "open");
  }

  private transition(g: Gate, state: BreakerState): void {
    if (g.state === state) return;
    g.state = state;
    if (state === "closed") {
      g.openedAt = null;
      g.retryAt = null;
    }
    this.onChange(this.view(g), [...g.orgs], "circuit");
  }

  private view(g: Gate): HostGateView {
    return {
      host: g.host,
      state: g.state,
      consecutive_failures: g.failures,
      in_flight: g.inFlight,
      concurrency_limit: Math.floor(g.limit),
      opened_at: g.openedAt ? new Date(g.openedAt).toISOString() : null,
      retry_at: g.retryAt ? new Date(g.retryAt).toISOString() : null,
      max_concurrency: this.policy.maxPerHost,
      paused_until: g.pausedUntil && g.pausedUntil > Date.now() ? new Date(g.pausedUntil).toISOString() : null,
      best_latency_ms: g.bestLatencyMs === null ? null : Math.round(g.bestLatencyMs),
    };
  }

  /** Every host this node has sent to (metrics). */
  all(): HostGateView[] {
    return [...this.gates.values()].map((g) => this.view(g));
  }

  /** The hosts an organization has sent to through this node. */
  list(orgId: string): HostGateView[] {
    return [...this.gates.values()].filter((g) => g.orgs.has(orgId)).map((g) => this.view(g));
  }
}
