/**
 * Per-destination protection, per node: a circuit breaker and a concurrency cap for every target host.
 *
 * closed: requests flow up to `limit` at once; `failureThreshold` consecutive destination failures open it.
 * open: nothing is sent until `retryAt`; then one probe goes out (half_open).
 * half_open: the probe's success closes the breaker with limit 1, and each further success raises the limit by
 * one up to the cap — a recovered endpoint's backlog drains at a paced rate instead of all at once. A failed
 * probe opens it again for a doubled cooldown (up to 32x).
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
}

interface Gate {
  host: string;
  state: BreakerState;
  failures: number;
  inFlight: number;
  limit: number;
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
}

export type Admission = { admitted: true } | { admitted: false; waitMs: number; reason: string };

export type GateChange = (gate: HostGateView, orgs: string[]) => void;

const jitter = (ms: number) => ms * (0.75 + Math.random() * 0.5);

export class HostGates {
  private gates = new Map<string, Gate>();

  constructor(private policy: GatePolicy, private onChange: GateChange = () => {}) {}

  private gate(host: string): Gate {
    let g = this.gates.get(host);
    if (!g) {
      g = { host, state: "closed", failures: 0, inFlight: 0, limit: this.policy.maxPerHost, openedAt: null, retryAt: null, cooldownMs: this.policy.cooldownMs, orgs: new Set(), waiters: [] };
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
    if (g.state === "half_open" && g.inFlight > 0) return { admitted: false, waitMs: jitter(Math.min(g.cooldownMs, 2000)), reason: `circuit half-open for ${host}, probe in flight` };
    if (g.inFlight >= g.limit) return { admitted: false, waitMs: jitter(250), reason: `${host} is at its concurrency limit (${g.limit})` };
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
    if (now.admitted || g.state !== "closed" || g.waiters.length >= g.limit) return now;
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

  /** Hands freed slots to waiters, or turns them away when the breaker opened meanwhile. */
  private serveWaiters(g: Gate): void {
    while (g.waiters.length > 0) {
      if (g.state === "open") {
        for (const w of g.waiters.splice(0)) w(this.refusal(g));
        return;
      }
      if (g.state !== "closed" || g.inFlight >= g.limit) return;
      g.inFlight++;
      g.waiters.shift()!({ admitted: true });
    }
  }

  /** Returns the slot with what the request said about the destination's health (null: nothing either way). */
  release(host: string, healthy: boolean | null): void {
    const g = this.gate(host);
    g.inFlight = Math.max(0, g.inFlight - 1);
    this.judge(g, healthy);
    this.serveWaiters(g);
  }

  private judge(g: Gate, healthy: boolean | null): void {
    if (healthy === null) return;
    if (healthy) {
      g.failures = 0;
      if (g.state === "half_open") {
        g.cooldownMs = this.policy.cooldownMs;
        g.limit = 1;
        this.transition(g, "closed");
      } else if (g.limit < this.policy.maxPerHost) {
        g.limit++;
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
    this.onChange(this.view(g), [...g.orgs]);
  }

  private view(g: Gate): HostGateView {
    return {
      host: g.host,
      state: g.state,
      consecutive_failures: g.failures,
      in_flight: g.inFlight,
      concurrency_limit: g.limit,
      opened_at: g.openedAt ? new Date(g.openedAt).toISOString() : null,
      retry_at: g.retryAt ? new Date(g.retryAt).toISOString() : null,
    };
  }

  /** The hosts an organization has sent to through this node. */
  list(orgId: string): HostGateView[] {
    return [...this.gates.values()].filter((g) => g.orgs.has(orgId)).map((g) => this.view(g));
  }
}
