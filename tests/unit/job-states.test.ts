import { describe, test, expect } from "bun:test";
import {
  ACTIVE_STATUSES, FAILED_STATUSES, JOB_STATUSES, TERMINAL_STATUSES, TRANSITIONS, UNSUCCESSFUL_STATUSES, WAITING_STATUSES,
  attemptsLeftSql, canMove, decideFailure, hasAttemptsLeft, sqlStatuses,
} from "../../src/domain/job-states";

const policy = { baseSecs: 1, capSecs: 60 };

describe("job states", () => {
  test("every state has its moves; the finished states are exactly those without a move to processing", () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...JOB_STATUSES].sort());
    for (const to of Object.values(TRANSITIONS).flat()) expect(JOB_STATUSES).toContain(to);
    expect(JOB_STATUSES.filter((s) => !canMove(s, "processing") && s !== "processing").sort()).toEqual([...TERMINAL_STATUSES].sort());
    expect(canMove("processing", "completed")).toBe(true);
    expect(canMove("completed", "pending")).toBe(false);
    expect(canMove("deadletter", "pending")).toBe(true);
  });

  test("the status groups are subsets of the one list and agree with each other", () => {
    for (const group of [WAITING_STATUSES, ACTIVE_STATUSES, TERMINAL_STATUSES, UNSUCCESSFUL_STATUSES, FAILED_STATUSES]) {
      for (const s of group) expect(JOB_STATUSES).toContain(s);
    }
    expect([...ACTIVE_STATUSES, ...TERMINAL_STATUSES].sort()).toEqual([...JOB_STATUSES].sort());
    expect(ACTIVE_STATUSES.filter((s) => !(WAITING_STATUSES as readonly string[]).includes(s))).toEqual(["processing"]);
    expect(sqlStatuses(WAITING_STATUSES)).toBe("'pending', 'scheduled'");
  });

  test("out of attempts is one rule, used by the retry decision and spelled the same in SQL", () => {
    expect(hasAttemptsLeft({ retry_count: 2, max_retries: 3 })).toBe(true);
    expect(hasAttemptsLeft({ retry_count: 3, max_retries: 3 })).toBe(false);
    expect(decideFailure({ retry_count: 2, max_retries: 3 }, true, policy, () => 0)).toEqual({ status: "pending", delaySecs: 2 });
    expect(decideFailure({ retry_count: 3, max_retries: 3 }, true, policy)).toEqual({ status: "deadletter", delaySecs: null });
    expect(decideFailure({ retry_count: 0, max_retries: 3 }, false, policy)).toEqual({ status: "deadletter", delaySecs: null });
    expect(attemptsLeftSql("j")).toBe("j.retry_count < j.max_retries");
    expect(attemptsLeftSql()).toBe("retry_count < max_retries");
  });
});
