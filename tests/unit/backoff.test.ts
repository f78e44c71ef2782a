import { describe, test, expect } from "bun:test";
import { retryDelaySecs } from "../../src/domain/backoff";
import { decideFailure } from "../../src/domain/job-states";

const policy = { baseSecs: 1, capSecs: 60 };
const lowest = () => 0;
const highest = () => 1 - Number.EPSILON;

describe("retry backoff with equal jitter", () => {
  test("each delay lies in the upper half of the capped exponential", () => {
    for (let attempt = 0; attempt <= 40; attempt++) {
      const ceiling = Math.min(policy.capSecs, policy.baseSecs * 2 ** attempt);
      expect(retryDelaySecs(attempt, policy, lowest)).toBe(ceiling / 2);
      expect(retryDelaySecs(attempt, policy, highest)).toBeLessThanOrEqual(ceiling);
      expect(retryDelaySecs(attempt, policy, highest)).toBeGreaterThan(ceiling * 0.99);
      for (let i = 0; i < 200; i++) {
        const d = retryDelaySecs(attempt, policy);
        expect(d).toBeGreaterThanOrEqual(ceiling / 2);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  test("grows exponentially from the base and never exceeds the cap, even for absurd attempt counts", () => {
    expect([0, 1, 2, 3].map((a) => retryDelaySecs(a, { baseSecs: 2, capSecs: 1000 }, lowest))).toEqual([1, 2, 4, 8]);
    for (const attempt of [10, 31, 100, 1e6, Number.MAX_SAFE_INTEGER]) {
      const d = retryDelaySecs(attempt, policy, highest);
      expect(Number.isFinite(d)).toBe(true);
      expect(d).toBeLessThanOrEqual(60);
      expect(d).toBeGreaterThanOrEqual(30);
    }
  });

  test("jitter spreads a burst of simultaneous failures instead of re-aligning them", () => {
    const delays = new Set(Array.from({ length: 100 }, () => retryDelaySecs(5, policy).toFixed(6)));
    expect(delays.size).toBeGreaterThan(90);
  });
});

describe("decideFailure", () => {
  test("retries while attempts remain, with a backoff delay", () => {
    expect(decideFailure({ retry_count: 0, max_retries: 3 }, true, policy, lowest)).toEqual({ status: "pending", delaySecs: 0.5 });
    expect(decideFailure({ retry_count: 2, max_retries: 3 }, true, policy, lowest)).toEqual({ status: "pending", delaySecs: 2 });
  });

  test("dead-letters when attempts are used up, when max_retries is 0, or when the caller refuses a retry", () => {
    expect(decideFailure({ retry_count: 3, max_retries: 3 }, true, policy)).toEqual({ status: "deadletter", delaySecs: null });
    expect(decideFailure({ retry_count: 5, max_retries: 3 }, true, policy)).toEqual({ status: "deadletter", delaySecs: null });
    expect(decideFailure({ retry_count: 0, max_retries: 0 }, true, policy)).toEqual({ status: "deadletter", delaySecs: null });
    expect(decideFailure({ retry_count: 0, max_retries: 3 }, false, policy)).toEqual({ status: "deadletter", delaySecs: null });
  });
});
