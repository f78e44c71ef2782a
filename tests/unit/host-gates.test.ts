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
    const g = new HostGates(policy, (v: HostGateView) => changes.push(v.state));
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
});
