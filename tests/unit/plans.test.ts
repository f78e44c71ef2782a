import { describe, test, expect } from "bun:test";
import { buildPlanTable, effectiveLimits, secondsUntilUtcMidnight, usageItem, usageWarnings, nextPlan } from "../../src/domain/plans";

describe("plan table", () => {
  test("built-ins match the contract", () => {
    const t = buildPlanTable({});
    expect(t.free).toMatchObject({ max_jobs_per_day: 1000, max_active_jobs: 10, max_queues: 2, max_workers: 1, max_workflows: 0, max_payload_size_bytes: 65536 });
    expect(t.starter).toMatchObject({ max_active_jobs: 500, rate_limit_requests_per_second: 25, rate_limit_burst: 50, job_retention_days: 14 });
    expect(t.pro).toMatchObject({ max_webhooks: 20, history_retention_days: 30 });
    expect(t.enterprise).toMatchObject({ max_jobs_per_day: null, max_active_jobs: null, rate_limit_burst: 1000 });
  });

  test("overrides: per-field env beats per-tier JSON beats all-tier JSON; unlimited words mean null", () => {
    const t = buildPlanTable({
      SPOOLED_PLAN_LIMITS_JSON: JSON.stringify({ free: { max_queues: 7, max_workers: 3 }, pro: { max_active_jobs: "unlimited" } }),
      SPOOLED_PLAN_FREE_LIMITS_JSON: JSON.stringify({ max_queues: 8 }),
      SPOOLED_PLAN_FREE_MAX_QUEUES: "9",
      SPOOLED_PLAN_FREE_MAX_ACTIVE_JOBS: "none",
      SPOOLED_PLAN_STARTER_MAX_PAYLOAD_SIZE_BYTES: "-1", // not a count cap: cannot be unlimited, ignored
      SPOOLED_PLAN_STARTER_MAX_WORKERS: "lots", // garbage is ignored
    });
    expect(t.free).toMatchObject({ max_queues: 9, max_workers: 3, max_active_jobs: null });
    expect(t.pro.max_active_jobs).toBeNull();
    expect(t.starter).toMatchObject({ max_payload_size_bytes: 262144, max_workers: 5 });
    expect(() => buildPlanTable({ SPOOLED_PLAN_LIMITS_JSON: "{nope" })).toThrow("SPOOLED_PLAN_LIMITS_JSON");
  });

  test("organization custom limits beat the plan; unknown tiers read as free", () => {
    const t = buildPlanTable({});
    expect(effectiveLimits(t, "starter", { max_active_jobs: 42, max_queues: null })).toMatchObject({ tier: "starter", max_active_jobs: 42, max_queues: null, max_workers: 5 });
    expect(effectiveLimits(t, "deleted", null)).toMatchObject({ tier: "deleted", max_active_jobs: 10 });
    expect(nextPlan("free")).toBe("starter");
    expect(nextPlan("enterprise")).toBeNull();
  });
});

describe("usage", () => {
  test("items and warnings (50 % on free, 80 % on paid plans, critical at 100 %)", () => {
    expect(usageItem(5, 10)).toEqual({ current: 5, limit: 10, percentage: 50, is_disabled: false });
    expect(usageItem(3, null)).toEqual({ current: 3, limit: null, percentage: null, is_disabled: false });
    expect(usageItem(0, 0)).toEqual({ current: 0, limit: 0, percentage: 0, is_disabled: true });
    const usage = { jobs_today: usageItem(500, 1000), active_jobs: usageItem(10, 10), queues: usageItem(1, 10) } as any;
    expect(usageWarnings("free", usage).map((w) => [w.resource, w.severity])).toEqual([["jobs_per_day", "warning"], ["active_jobs", "critical"]]);
    expect(usageWarnings("pro", usage).map((w) => w.resource)).toEqual(["active_jobs"]);
  });

  test("the daily counter restarts at UTC midnight", () => {
    expect(secondsUntilUtcMidnight(new Date("2026-01-01T23:59:30Z"))).toBe(30);
    expect(secondsUntilUtcMidnight(new Date("2026-01-01T00:00:00Z"))).toBe(86400);
  });
});
