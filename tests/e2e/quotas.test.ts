import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer } from "../helpers/server";

const ADMIN = "admin-key-for-quota-tests-0123456789";

for (const kind of await databaseKinds()) {
  describe(`plans, quotas and rate limits (${kind})`, () => {
    let s: TestServer;
    const admin = () => ({ "x-admin-key": ADMIN });
    beforeAll(async () => {
      // Quotas turned on by the operator (the default is off), with an admin key to change plans.
      s = await startTestServer(kind, { SPINDLE_QUOTAS: "on", ADMIN_API_KEY: ADMIN, SPOOLED_PLAN_STARTER_MAX_ACTIVE_JOBS: "3" });
    });
    afterAll(() => s.stop());

    test("a fresh organization reports the free plan's limits exactly", async () => {
      const { client } = await s.newOrg();
      const u = (await client.get("/api/v1/organizations/usage")).body;
      expect(u.plan).toBe("free");
      expect(u.plan_display_name).toBe("Free");
      expect(u.limits).toEqual({
        tier: "free", display_name: "Free", max_jobs_per_day: 1000, max_active_jobs: 10, max_queues: 2, max_workers: 1, max_api_keys: 2,
        max_schedules: 1, max_workflows: 0, max_webhooks: 1, max_payload_size_bytes: 65536, rate_limit_requests_per_second: 5,
        rate_limit_burst: 10, job_retention_days: 3, history_retention_days: 1,
      });
      expect(Object.keys(u.usage).sort()).toEqual(["active_jobs", "api_keys", "jobs_today", "queues", "schedules", "webhooks", "workers", "workflows"]);
      expect(u.usage.api_keys).toEqual({ current: 1, limit: 2, percentage: 50, is_disabled: false });
      expect(u.usage.workflows).toMatchObject({ limit: 0, is_disabled: true });
      expect(u.warnings).toContainEqual(expect.objectContaining({ resource: "api_keys", severity: "warning" }));
      const plans = (await s.client().get("/api/v1/admin/plans", admin())).body;
      expect(plans.map((p: any) => p.tier)).toEqual(["free", "starter", "pro", "enterprise"]);
      expect(plans[3]).toMatchObject({ max_active_jobs: null, max_queues: null, max_payload_size_bytes: 1048576, rate_limit_burst: 1000 });
      expect(plans[1].max_active_jobs).toBe(3); // the environment override
    });

    test("20 concurrent creates against 10 free slots admit exactly 10, the rest get 429 QUOTA_EXCEEDED with Retry-After", async () => {
      const { client } = await s.newOrg();
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => client.post("/api/v1/jobs", { queue_name: "race", payload: { i } })));
      expect(replies.filter((r) => r.status === 201)).toHaveLength(10);
      const refused = replies.filter((r) => r.status === 429);
      expect(refused).toHaveLength(10);
      expect(refused[0]!.body).toMatchObject({ code: "QUOTA_EXCEEDED", error: "limit_exceeded", resource: "active_jobs", current: 10, limit: 10, plan: "free", upgrade_to: "starter" });
      expect(refused[0]!.body.message).toBe("active_jobs limit reached (10/10). Upgrade to starter for higher limits.");
      expect(Number(refused[0]!.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await client.get("/api/v1/jobs/stats")).body.total).toBe(10);
      const u = (await client.get("/api/v1/organizations/usage")).body;
      expect(u.usage.active_jobs).toMatchObject({ current: 10, limit: 10, percentage: 100 });
      expect(u.usage.jobs_today.current).toBe(10);
      expect(u.warnings).toContainEqual(expect.objectContaining({ resource: "active_jobs", severity: "critical" }));

      // a finished job frees its slot
      const [job] = (await client.post("/api/v1/jobs/claim", { queue_name: "race", worker_id: "w" })).body.jobs;
      await client.post(`/api/v1/jobs/${job.id}/complete`, { worker_id: "w" });
      expect((await client.post("/api/v1/jobs", { queue_name: "race", payload: {} })).status).toBe(201);
      expect((await client.post("/api/v1/jobs", { queue_name: "race", payload: {} })).status).toBe(429);
    });

    test("bulk creates are all-or-nothing against the cap; idempotent hits are free", async () => {
      const { client } = await s.newOrg();
      const first = await client.post("/api/v1/jobs", { queue_name: "b", payload: {}, idempotency_key: "same" });
      expect(first.status).toBe(201);
      const bulk = await client.post("/api/v1/jobs/bulk", { queue_name: "b", jobs: Array.from({ length: 10 }, (_, i) => ({ payload: { i } })) });
      expect(bulk.status).toBe(429);
      expect((await client.get("/api/v1/jobs/stats")).body.total).toBe(1);
      for (let i = 0; i < 3; i++) expect((await client.post("/api/v1/jobs", { queue_name: "b", payload: {}, idempotency_key: "same" })).status).toBe(200);
      expect((await client.get("/api/v1/organizations/usage")).body.usage.jobs_today.current).toBe(1);
      expect((await client.post("/api/v1/jobs/bulk", { queue_name: "b", jobs: Array.from({ length: 9 }, (_, i) => ({ payload: { i } })) })).status).toBe(200);
    });

    test("the daily cap answers 429 with Retry-After until UTC midnight; admin reset-usage starts it over", async () => {
      const { orgId, client } = await s.newOrg();
      await s.client().patch(`/api/v1/admin/organizations/${orgId}`, { custom_limits: { max_jobs_per_day: 3, max_active_jobs: null } }, admin());
      const limits = (await client.get("/api/v1/organizations/usage")).body.limits;
      expect(limits).toMatchObject({ max_jobs_per_day: 3, max_active_jobs: null, max_queues: 2 });
      for (let i = 0; i < 3; i++) expect((await client.post("/api/v1/jobs", { queue_name: "d", payload: {} })).status).toBe(201);
      const refused = await client.post("/api/v1/jobs", { queue_name: "d", payload: {} });
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ code: "QUOTA_EXCEEDED", resource: "jobs_per_day", current: 3, limit: 3 });
      const now = new Date();
      const untilMidnight = (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000;
      expect(Math.abs(Number(refused.headers.get("retry-after")) - untilMidnight)).toBeLessThan(60);
      expect((await s.client().post(`/api/v1/admin/organizations/${orgId}/reset-usage`, undefined, admin())).status).toBe(204);
      expect((await client.post("/api/v1/jobs", { queue_name: "d", payload: {} })).status).toBe(201);
      // {} resets custom limits to the plan's
      await s.client().patch(`/api/v1/admin/organizations/${orgId}`, { custom_limits: {} }, admin());
      expect((await client.get("/api/v1/organizations/usage")).body.limits.max_jobs_per_day).toBe(1000);
    });

    test("plan changes take effect at once; enterprise is unlimited; environment overrides apply", async () => {
      const { orgId, client } = await s.newOrg();
      await s.client().patch(`/api/v1/admin/organizations/${orgId}`, { plan_tier: "starter" }, admin());
      const results = [];
      for (let i = 0; i < 4; i++) results.push((await client.post("/api/v1/jobs", { queue_name: "p", payload: {} })).status);
      expect(results).toEqual([201, 201, 201, 429]);
      const patched = await s.client().patch(`/api/v1/admin/organizations/${orgId}`, { plan_tier: "enterprise" }, admin());
      expect(patched.body.plan_tier).toBe("enterprise");
      for (let i = 0; i < 15; i++) expect((await client.post("/api/v1/jobs", { queue_name: "p", payload: {} })).status).toBe(201);
      expect((await client.get("/api/v1/organizations/usage")).body.usage.active_jobs).toEqual({ current: 18, limit: null, percentage: null, is_disabled: false });
      expect((await s.client().patch(`/api/v1/admin/organizations/${orgId}`, { plan_tier: "platinum" }, admin())).status).toBe(400);
    });

    test("payload, queue and key caps are off by default (the contract's advice)", async () => {
      const { client } = await s.newOrg();
      expect((await client.post("/api/v1/jobs", { queue_name: "q1", payload: "x".repeat(100_000) })).status).toBe(201);
      for (const q of ["q2", "q3", "q4"]) expect((await client.post("/api/v1/jobs", { queue_name: q, payload: {} })).status).toBe(201);
      for (let i = 0; i < 3; i++) expect((await client.post("/api/v1/api-keys", { name: `k${i}` })).status).toBe(201);
    });
  });

  describe(`opt-in caps and rate limits (${kind})`, () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startTestServer(kind, { SPINDLE_QUOTAS: "on", SPINDLE_ENFORCE_LIMITS: "payload,queues,api_keys", SPINDLE_ORG_RATE_LIMITS: "true", SPOOLED_PLAN_FREE_RATE_LIMIT_BURST: "40" });
    });
    afterAll(() => s.stop());

    test("opted-in caps: 413 for a payload over the plan's size, 429 for a third queue and a third key", async () => {
      const { client } = await s.newOrg();
      const big = await client.post("/api/v1/jobs", { queue_name: "q1", payload: "x".repeat(70_000) });
      expect(big.status).toBe(413);
      expect(big.body.code).toBe("PAYLOAD_TOO_LARGE");
      expect((await client.post("/api/v1/jobs", { queue_name: "q1", payload: "x".repeat(60_000) })).status).toBe(201);
      expect((await client.post("/api/v1/jobs", { queue_name: "q2", payload: {} })).status).toBe(201);
      const third = await client.post("/api/v1/jobs", { queue_name: "q3", payload: {} });
      expect(third.status).toBe(429);
      expect(third.body).toMatchObject({ resource: "queues", current: 2, limit: 2 });
      expect((await client.post("/api/v1/jobs", { queue_name: "q2", payload: {} })).status).toBe(201);
      expect((await client.post("/api/v1/api-keys", { name: "second" })).status).toBe(201);
      const key3 = await client.post("/api/v1/api-keys", { name: "third" });
      expect(key3.status).toBe(429);
      expect(key3.body).toMatchObject({ code: "QUOTA_EXCEEDED", resource: "api_keys", current: 2, limit: 2 });
    });

    test("a key's own rate limit: 429 RATE_LIMIT_EXCEEDED with Retry-After and X-RateLimit-* once its bucket is empty", async () => {
      const { client } = await s.newOrg();
      const limited = await client.post("/api/v1/api-keys", { name: "slow", rate_limit: 3 });
      const slow = s.client(limited.body.key);
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(await slow.get("/api/v1/jobs/stats"));
      expect(statuses.map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect(statuses[0]!.headers.get("x-ratelimit-limit")).toBe("3");
      expect(statuses[0]!.headers.get("x-ratelimit-remaining")).toBe("2");
      const refused = statuses[3]!;
      expect(refused.body).toMatchObject({ code: "RATE_LIMIT_EXCEEDED", error: "Rate limit exceeded", limit: 3, remaining: 0 });
      expect(refused.body.retry_after_secs).toBeGreaterThanOrEqual(1);
      expect(refused.headers.get("retry-after")).toBe(String(refused.body.retry_after_secs));
      expect(refused.headers.get("x-ratelimit-remaining")).toBe("0");
      expect(Number(refused.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
      // the organization's other key is not slowed by this key's limit
      expect((await client.get("/api/v1/jobs/stats")).status).toBe(200);
    });

    test("the organization's bucket (plan burst) is shared by all its keys; other organizations are not affected", async () => {
      const a = await s.newOrg();
      const b = await s.newOrg();
      const second = s.client((await a.client.post("/api/v1/api-keys", { name: "second" })).body.key);
      let okCount = 0;
      let refused: any;
      for (let i = 0; i < 1000 && !refused; i++) {
        const r = await (i % 2 ? second : a.client).get("/api/v1/jobs/stats");
        if (r.status === 200) okCount++;
        else refused = r;
      }
      expect(refused?.status).toBe(429);
      // burst 40 (minus the key creation), plus whatever refilled at 5/s meanwhile
      expect(okCount).toBeGreaterThanOrEqual(38);
      expect((await b.client.get("/api/v1/jobs/stats")).status).toBe(200);
    });
  });
}

for (const kind of await databaseKinds()) {
  describe(`a default self-hosted server (${kind})`, () => {
    test("a fresh organization accepts more than its plan's 10 active jobs, and usage still reports the plan's limits", async () => {
      const s = await startTestServer(kind); // no SPINDLE_QUOTAS: the shipped default
      try {
        expect(s.engine.config.enforceQuotas).toBe(false);
        const { client } = await s.newOrg();
        const created = await Promise.all(Array.from({ length: 15 }, (_, i) => client.post("/api/v1/jobs", { queue_name: "self-hosted", payload: { i } })));
        expect(created.map((r) => r.status)).toEqual(Array(15).fill(201));
        const bulk = await client.post("/api/v1/jobs/bulk", { queue_name: "self-hosted", jobs: Array.from({ length: 10 }, (_, i) => ({ payload: { i } })) });
        expect(bulk.status).toBe(200);
        expect(bulk.body.success_count).toBe(10);
        const u = (await client.get("/api/v1/organizations/usage")).body;
        expect(u.plan).toBe("free");
        expect(u.limits.max_active_jobs).toBe(10);
        expect(u.usage.active_jobs).toMatchObject({ current: 25, limit: 10 });
        expect(u.usage.jobs_today).toMatchObject({ current: 25, limit: 1000 });
      } finally {
        await s.stop();
      }
    });
  });
}
