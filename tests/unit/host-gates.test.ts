import { describe, test, expect } from "bun:test";
import { HostGates, type HostGateView } from "../../src/delivery/host-gates";

describe("host gates", () => {
  // Long enough that a descheduled test process cannot see an open breaker cool down between two statements.
  const policy = { maxPerHost: 2, failureThreshold: 3, cooldownMs: 300 };

  test("the cap holds per host; other hosts are unaffected", () => {
    const g = new HostGates(policy);
    expect(g.admit("a", "o").admitted).toBe(true);
    expect(g.admit("a", "o").admitted).toBe(true);
    expect(g.admit("a", "o")).toMatchObject({ admitted: false });
    expect(g.admit("b", "o").admitted).toBe(true);
    g.release("a", true);
    expect(g.admit("a", "o").admitted).toBe(true);
  });

  test("closed → open after the threshold → half-open probe → closed with a paced limit that grows per success", async () => {
    const changes: string[] = [];
    const g = new HostGates(policy, (v: HostGateView, _orgs, kind) => kind === "circuit" && changes.push(v.state));
    for (let i = 0; i < 3; i++) {
      expect(g.admit("h", "o").admitted).toBe(true);
      g.release("h", false);
    }
    expect(g.list("o")[0]).toMatchObject({ state: "open", consecutive_failures: 3 });
    const refused = g.admit("h", "o");
    expect(refused.admitted).toBe(false);
    await Bun.sleep(policy.cooldownMs + 20);
    expect(g.admit("h", "o").admitted).toBe(true); // the probe
    expect(g.admit("h", "o").admitted).toBe(false); // only one probe at a time
    g.release("h", true);
    expect(g.list("o")[0]).toMatchObject({ state: "closed", concurrency_limit: 1 });
    expect(g.admit("h", "o").admitted).toBe(true);
    expect(g.admit("h", "o").admitted).toBe(false);
    g.release("h", true);
    expect(g.list("o")[0]!.concurrency_limit).toBe(2);
    expect(changes).toEqual(["open", "half_open", "closed"]);
    expect(g.list("someone-else")).toEqual([]);
  });

  test("a failed probe reopens for a longer cooldown; attempts that say nothing (null) neither trip nor heal", async () => {
    const g = new HostGates(policy);
    for (let i = 0; i < 3; i++) {
      g.admit("h", "o");
      g.release("h", false);
    }
    await Bun.sleep(policy.cooldownMs + 20);
    g.admit("h", "o");
    g.release("h", false);
    const reopened = g.list("o")[0]!;
    expect(reopened.state).toBe("open");
    expect(Date.parse(reopened.retry_at!) - Date.parse(reopened.opened_at!)).toBe(2 * policy.cooldownMs);
    const other = new HostGates(policy);
    for (let i = 0; i < 10; i++) {
      other.admit("x", "o");
      other.release("x", null);
    }
    expect(other.list("o")[0]!.state).toBe("closed");
  });

  test("waiting in line: a freed slot goes to the next waiter; the line is as long as the cap", async () => {
    const g = new HostGates(policy);
    g.admit("h", "o");
    g.admit("h", "o");
    const first = g.acquire("h", "o", 5000);
    const second = g.acquire("h", "o", 5000);
    expect(await g.acquire("h", "o", 5000)).toMatchObject({ admitted: false });
    g.release("h", true);
    expect(await first).toEqual({ admitted: true });
    g.release("h", true);
    expect(await second).toEqual({ admitted: true });
  });

  test("waiters are turned away when the breaker opens", async () => {
    const g = new HostGates({ ...policy, failureThreshold: 1 });
    g.admit("h", "o");
    g.admit("h", "o");
    const waiting = g.acquire("h", "o", 5000);
    g.release("h", false);
    expect(await waiting).toMatchObject({ admitted: false });
  });

  describe("adaptive limit (AIMD)", () => {
    const aimd = { maxPerHost: 8, failureThreshold: 100, cooldownMs: 300, initialLimit: 1 };
    /** Sends one request to `h` and answers it with the given health and signal. */
    const answer = (g: HostGates, healthy: boolean, signal: Parameters<HostGates["release"]>[2] = {}) => {
      expect(g.admit("h", "o").admitted).toBe(true);
      g.release("h", healthy, signal);
    };
    const limit = (g: HostGates) => g.list("o")[0]!.concurrency_limit;

    test("a new host starts at one request and grows by one per fast answer up to the cap; slow answers hold it", () => {
      const g = new HostGates(aimd);
      expect(g.admit("h", "o").admitted).toBe(true);
      expect(g.admit("h", "o").admitted).toBe(false);
      g.release("h", true, { latencyMs: 20 });
      expect(limit(g)).toBe(2);
      for (let i = 0; i < 10; i++) answer(g, true, { latencyMs: 20 });
      expect(limit(g)).toBe(8);
      const slow = new HostGates(aimd);
      answer(slow, true, { latencyMs: 20 });
      answer(slow, true, { latencyMs: 2000 }); // 100x its best: overloaded, not fast
      expect(limit(slow)).toBe(2);
    });

    test("congestion halves the limit once per burst, and growth above the threshold is additive", async () => {
      const changes: number[] = [];
      const g = new HostGates(aimd, (v, _o, kind) => kind === "limit" && changes.push(v.concurrency_limit));
      for (let i = 0; i < 7; i++) answer(g, true, { latencyMs: 10 });
      expect(limit(g)).toBe(8);
      answer(g, false, { congested: true, latencyMs: 10 });
      answer(g, false, { congested: true, latencyMs: 10 }); // the same burst: not halved again
      expect(limit(g)).toBe(4);
      // Above the threshold (4) a success adds 1/limit: about a limit's worth of fast answers makes one more slot.
      for (let i = 0; i < 4; i++) answer(g, true, { latencyMs: 10 });
      expect(limit(g)).toBe(4);
      answer(g, true, { latencyMs: 10 });
      expect(limit(g)).toBe(5);
      expect(changes).toEqual([8, 4]);
    });

    test("Retry-After pauses the host until then and resumes it one request at a time", async () => {
      const g = new HostGates(aimd);
      for (let i = 0; i < 3; i++) answer(g, true, { latencyMs: 10 });
      answer(g, false, { congested: true, retryAfterMs: 400 });
      const paused = g.admit("h", "o");
      expect(paused).toMatchObject({ admitted: false });
      if (!paused.admitted) expect(paused.reason).toContain("Retry-After");
      expect(g.list("o")[0]).toMatchObject({ concurrency_limit: 1 });
      expect(g.list("o")[0]!.paused_until).toBeString();
      await Bun.sleep(450);
      expect(g.admit("h", "o").admitted).toBe(true);
      expect(g.admit("h", "o").admitted).toBe(false);
      expect(g.list("o")[0]!.paused_until).toBeNull();
    });
  });
});
