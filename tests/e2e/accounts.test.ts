import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer } from "../helpers/server";
import { eventually } from "../helpers/eventually";

const ADMIN = "admin-key-for-account-tests-0123456789";

for (const kind of await databaseKinds()) {
  describe(`organizations, API keys, admin, billing and dashboard (${kind})`, () => {
    let s: TestServer;
    const admin = { "x-admin-key": ADMIN };
    beforeAll(async () => {
      s = await startTestServer(kind, { ADMIN_API_KEY: ADMIN, SPINDLE_PUBLIC_URL: "https://queue.example.com" });
    });
    afterAll(() => s.stop());

    test("an organization reads, updates and lists itself; its members are its active keys", async () => {
      const { orgId, client } = await s.newOrg();
      const list = (await client.get("/api/v1/organizations")).body;
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ id: orgId, plan_tier: "free" });
      expect(Object.keys(list[0]).sort()).toEqual(["created_at", "id", "name", "plan_tier", "slug"]);
      const got = (await client.get(`/api/v1/organizations/${orgId}`)).body;
      expect(got).toMatchObject({ id: orgId, settings: {}, custom_limits: null, stripe_customer_id: null, stripe_cancel_at_period_end: null });

      const put = await client.put(`/api/v1/organizations/${orgId}`, { name: "Renamed Org", billing_email: "ops@example.com", settings: { theme: "dark" } });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ name: "Renamed Org", billing_email: "ops@example.com", settings: { theme: "dark" } });
      expect((await client.put(`/api/v1/organizations/${orgId}`, { name: "x" })).body.details[0].field).toBe("name");
      expect((await client.put(`/api/v1/organizations/${orgId}`, { settings: "no" })).status).toBe(400);

      await client.post("/api/v1/api-keys", { name: "worker key", queues: ["emails"] });
      const members = (await client.get(`/api/v1/organizations/${orgId}/members`)).body;
      expect(members.map((m: any) => [m.name, m.role])).toEqual([["Initial Admin Key", "owner"], ["worker key", "member"]]);
      expect(members[0]).toMatchObject({ email: "ops@example.com", invited_by: null });
      expect(members[0].user_id).toBe(members[0].id);
    });

    test("the billing email is unique across organizations", async () => {
      const a = await s.newOrg();
      const b = await s.newOrg();
      expect((await a.client.put(`/api/v1/organizations/${a.orgId}`, { billing_email: "Same@Example.com" })).status).toBe(200);
      expect((await b.client.put(`/api/v1/organizations/${b.orgId}`, { billing_email: "same@example.com" })).status).toBe(409);
      expect((await s.client().post("/api/v1/organizations", { name: "Third org", slug: `third-${Date.now()}`, billing_email: "same@example.com" })).status).toBe(409);
    });

    test("delete is refused while jobs are active, then removes the organization and its keys", async () => {
      const { orgId, key, client } = await s.newOrg();
      const job = (await client.post("/api/v1/jobs", { queue_name: "q", payload: {} })).body.id;
      const refused = await client.delete(`/api/v1/organizations/${orgId}`);
      expect(refused.status).toBe(409);
      expect(refused.body.message).toContain("1 active jobs");
      await client.delete(`/api/v1/jobs/${job}`);
      expect((await client.delete(`/api/v1/organizations/${crypto.randomUUID()}`)).status).toBe(404);
      expect((await client.delete(`/api/v1/organizations/${orgId}`)).status).toBe(204);
      expect((await s.client(key).get("/api/v1/dashboard")).status).toBe(401);
      const [left] = await s.db.query<{ n: number }>("SELECT count(*)::int AS n FROM job_events WHERE organization_id = $1", [orgId]);
      expect(left!.n).toBe(0);
    });

    test("API keys: created once with sk_, listed and read without any secret, renamed, rescoped and revoked", async () => {
      const { client } = await s.newOrg();
      const created = await client.post("/api/v1/api-keys", { name: "CI (deploy)", queues: ["a", "b.*"], rate_limit: 120 });
      expect(created.status).toBe(201);
      expect(created.body.key).toMatch(/^sk_test_[A-Za-z0-9_-]{43}$/);
      expect(created.body).toMatchObject({ name: "CI (deploy)", queues: ["a", "b.*"], expires_at: null });
      expect((await s.client(created.body.key).get("/api/v1/dashboard")).status).toBe(200);

      const list = await client.get("/api/v1/api-keys");
      // last_used is written beside the request, not before its answer: wait until the write has landed.
      const got = await eventually(() => client.get(`/api/v1/api-keys/${created.body.id}`), (r) => r.body.last_used !== null);
      for (const text of [JSON.stringify(list.body), JSON.stringify(got.body)]) {
        expect(text).not.toContain(created.body.key);
        expect(text).not.toContain(created.body.key.slice(8, 30));
        expect(text).not.toContain("key_hash");
      }
      expect(list.body.map((k: any) => k.name)).toEqual(["CI (deploy)", "Initial Admin Key"]);
      expect(got.body).toEqual({
        id: created.body.id, name: "CI (deploy)", queues: ["a", "b.*"], rate_limit: 120, is_active: true,
        created_at: created.body.created_at, last_used: expect.any(String), expires_at: null,
      });
      const put = await client.put(`/api/v1/api-keys/${created.body.id}`, { name: "CI", queues: [], rate_limit: null });
      expect(put.body).toMatchObject({ name: "CI", queues: ["*"], rate_limit: null, is_active: true });
      expect((await client.delete(`/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
      expect((await client.get(`/api/v1/api-keys/${created.body.id}`)).body.is_active).toBe(false);
      expect((await client.get("/api/v1/api-keys")).body).toHaveLength(2);
      expect((await client.get("/api/v1/api-keys/non-existent-key-id")).status).toBe(404);
      expect((await client.delete("/api/v1/api-keys/non-existent-key-id")).status).toBe(404);
      for (const bad of [{}, { name: "" }, { name: "bad/name" }, { name: "ok", queues: ["no spaces"] }, { name: "ok", rate_limit: 0 }, { name: "ok", queues: Array(51).fill("q") }]) {
        const r = await client.post("/api/v1/api-keys", bad);
        expect(r.status).toBe(400);
        expect(r.body.code).toBe("VALIDATION_ERROR");
      }
    });

    test("webhook token: regenerate shows it, get shows it to owners, never inside the organization; clear needs confirm", async () => {
      const { orgId, client } = await s.newOrg();
      const none = await client.get("/api/v1/organizations/webhook-token");
      expect(none.body).toEqual({ webhook_token: null, token: null, webhook_url: `https://queue.example.com/api/v1/webhooks/${orgId}/custom` });
      const regen = await client.post("/api/v1/organizations/webhook-token/regenerate");
      expect(regen.body.webhook_token).toMatch(/^whk_[A-Za-z0-9_-]{32}$/);
      expect(regen.body.token).toBe(regen.body.webhook_token);
      const again = await client.post(`/api/v1/organizations/${orgId}/webhook-token/regenerate`);
      expect(again.body.webhook_token).not.toBe(regen.body.webhook_token);
      expect((await client.get(`/api/v1/organizations/${orgId}/webhook-token`)).body.webhook_token).toBe(again.body.webhook_token);
      // stored where ingestion reads it ...
      const [row] = await s.db.query<{ settings: Record<string, unknown> }>("SELECT settings FROM organizations WHERE id = $1", [orgId]);
      expect(row!.settings.webhook_token).toBe(again.body.webhook_token);
      // ... but never echoed in the organization object, and an update of settings keeps it
      const org = await client.put(`/api/v1/organizations/${orgId}`, { settings: { a: 1, webhook_token: "attacker-chosen" } });
      expect(JSON.stringify(org.body)).not.toContain("whk_");
      expect(org.body.settings).toEqual({ a: 1 });
      expect(JSON.stringify((await client.get(`/api/v1/organizations/${orgId}`)).body)).not.toContain(again.body.webhook_token);
      expect((await client.get("/api/v1/organizations/webhook-token")).body.webhook_token).toBe(again.body.webhook_token);

      const noConfirm = await client.post("/api/v1/organizations/webhook-token/clear");
      expect(noConfirm.status).toBe(400);
      expect(noConfirm.body.details[0].field).toBe("confirm");
      const cleared = await client.post("/api/v1/organizations/webhook-token/clear", { confirm: true });
      expect(cleared.status).toBe(200);
      expect(cleared.body.webhook_token).toBeNull();
      expect((await client.get("/api/v1/organizations/webhook-token")).body.webhook_token).toBeNull();
      expect((await client.get(`/api/v1/organizations/${crypto.randomUUID()}/webhook-token`)).status).toBe(404);
    });

    test("check-slug and generate-slug are public and follow the contract", async () => {
      const { client } = await s.newOrg("taken-slug");
      const pub = s.client();
      expect((await pub.get("/api/v1/organizations/check-slug?slug=Fresh-Slug")).body).toEqual({ available: true, valid: true });
      const taken = (await pub.get("/api/v1/organizations/check-slug?slug=taken-slug")).body;
      expect(taken).toMatchObject({ available: false, valid: true });
      expect(taken.suggestion).toMatch(/^taken-slug-[0-9a-f]{6}$/);
      expect((await pub.get("/api/v1/organizations/check-slug?slug=admin")).body).toMatchObject({ available: false, valid: true });
      const invalid = (await pub.get("/api/v1/organizations/check-slug?slug=9-bad")).body;
      expect(invalid).toMatchObject({ available: false, valid: false });
      expect(invalid.error).toBeString();
      expect((await client.get("/api/v1/organizations/check-slug?slug=another")).status).toBe(200);

      expect((await pub.post("/api/v1/organizations/generate-slug", { name: "Acme Corp, Inc." })).body).toEqual({ slug: "acme-corp-inc" });
      expect((await pub.post("/api/v1/organizations/generate-slug", { name: "42 Things" })).body).toEqual({ slug: "org-42-things" });
      expect((await pub.post("/api/v1/organizations/generate-slug", { name: "Taken Slug" })).body.slug).toMatch(/^taken-slug-[0-9a-f]{6}$/);
      expect((await pub.post("/api/v1/organizations/generate-slug", {})).status).toBe(400);
    });

    test("admin: X-Admin-Key required, list/search/get/patch, admin-created keys, soft and hard delete, stats", async () => {
      const pub = s.client();
      const missing = await pub.get("/api/v1/admin/organizations");
      expect(missing.status).toBe(401);
      expect(missing.body.error).toBe("missing_admin_key");
      expect((await pub.get("/api/v1/admin/organizations", { "x-admin-key": "wrong" })).body.error).toBe("invalid_admin_key");

      const { orgId, client } = await s.newOrg(`findme-${Date.now().toString(36)}`);
      await client.post("/api/v1/jobs", { queue_name: "q", payload: {} });
      const listed = (await pub.get("/api/v1/admin/organizations?search=findme&limit=5", admin)).body;
      expect(listed).toMatchObject({ total: 1, limit: 5, offset: 0 });
      expect(listed.organizations[0]).toMatchObject({ id: orgId, usage: { jobs_today: 1, active_jobs: 1, queues: 1, workers: 0, api_keys: 1 } });
      expect((await pub.get("/api/v1/admin/organizations?search=%25", admin)).status).toBe(200);
      const byPlan = (await pub.get("/api/v1/admin/organizations?plan_tier=free&sort_by=name&sort_order=asc", admin)).body;
      const names = byPlan.organizations.map((o: any) => o.name);
      expect(names).toEqual([...names].sort());

      const detail = (await pub.get(`/api/v1/admin/organizations/${orgId}`, admin)).body;
      expect(detail).toMatchObject({ id: orgId, api_keys_count: 1, total_jobs: 1, usage_info: { plan: "free" } });
      expect((await pub.get("/api/v1/admin/organizations/non-existent", admin)).status).toBe(404);

      const key = await pub.post(`/api/v1/admin/organizations/${orgId}/api-keys`, { name: "support", queues: ["q"] }, admin);
      expect(key.status).toBe(201);
      expect(key.body.key).toStartWith("sk_");
      expect((await s.client(key.body.key).get("/api/v1/jobs?queue_name=q")).body).toHaveLength(1);

      const stats = (await pub.get("/api/v1/admin/stats", admin)).body;
      expect(stats.organizations.total).toBeGreaterThanOrEqual(1);
      expect(stats.jobs.total_active).toBeGreaterThanOrEqual(1);
      expect(stats.system.api_version).toBeString();

      expect((await pub.delete(`/api/v1/admin/organizations/${orgId}`, admin)).status).toBe(204);
      expect((await client.get("/api/v1/dashboard")).status).toBe(401);
      expect((await pub.get(`/api/v1/admin/organizations/${orgId}`, admin)).body.plan_tier).toBe("deleted");
      expect((await pub.post(`/api/v1/admin/organizations/${orgId}/api-keys`, { name: "x" }, admin)).status).toBe(400);
      expect((await pub.delete(`/api/v1/admin/organizations/${orgId}?hard_delete=true`, admin)).status).toBe(204);
      expect((await pub.get(`/api/v1/admin/organizations/${orgId}`, admin)).status).toBe(404);

      const made = await pub.post("/api/v1/admin/organizations", { name: "Admin Made", slug: `admin-made-${Date.now()}`, plan_tier: "pro" }, admin);
      expect(made.status).toBe(201);
      expect(made.body.organization.plan_tier).toBe("pro");
      expect((await s.client(made.body.api_key.key).get("/api/v1/organizations/usage")).body.limits.max_active_jobs).toBe(5000);
    });

    test("billing answers as a self-hosted server without a payment provider", async () => {
      const { client } = await s.newOrg();
      expect((await client.get("/api/v1/billing/status")).body).toEqual({
        plan_tier: "free", stripe_subscription_id: null, stripe_subscription_status: null, stripe_current_period_end: null,
        stripe_cancel_at_period_end: null, has_stripe_customer: false,
      });
      const portal = await client.post("/api/v1/billing/portal", { return_url: "https://example.com" });
      expect(portal.status).toBe(501);
      expect(portal.body.code).toBe("NOT_IMPLEMENTED");
      expect((await s.client().get("/api/v1/billing/status")).status).toBe(401);
    });

    test("email login answers a clear 501; check-email answers 200", async () => {
      const start = await s.client().post("/api/v1/auth/email/start", { email: "someone@example.com" });
      expect(start.status).toBe(501);
      expect(start.body.message).toContain("Email login is not available");
      expect((await s.client().post("/api/v1/auth/email/start", { email: "nope" })).status).toBe(400);
      expect((await s.client().post("/api/v1/auth/email/verify", { email: "someone@example.com", code: "123456" })).status).toBe(501);
      expect((await s.client().get("/api/v1/auth/check-email?email=unknown@example.com")).body).toEqual({ available: true, exists: false, signup_enabled: false });
    });

    test("dashboard has the contract's shape", async () => {
      const { client } = await s.newOrg();
      const id = (await client.post("/api/v1/jobs", { queue_name: "dash", payload: {} })).body.id;
      await client.post("/api/v1/jobs", { queue_name: "dash", payload: {} });
      await client.post("/api/v1/queues/paused-one/pause");
      const [j] = (await client.post("/api/v1/jobs/claim", { queue_name: "dash", worker_id: "w" })).body.jobs;
      expect(j.id).toBe(id);
      await client.post(`/api/v1/jobs/${id}/complete`, { worker_id: "w" });
      const d = (await client.get("/api/v1/dashboard")).body;
      expect(d.system).toMatchObject({ database_status: "healthy", cache_status: "healthy", environment: "development" });
      expect(d.system.version.length).toBeGreaterThan(0);
      expect(d.jobs).toMatchObject({ total: 2, pending: 1, processing: 0, deadletter: 0, completed_24h: 1, failed_24h: 0 });
      expect(typeof d.jobs.avg_processing_time_ms).toBe("number");
      expect(d.queues).toEqual([{ name: "dash", pending: 1, processing: 0, paused: false }, { name: "paused-one", pending: 0, processing: 0, paused: true }]);
      expect(d.workers).toEqual({ total: 0, healthy: 0, unhealthy: 0 });
      expect(d.recent_activity).toEqual({ jobs_created_1h: 2, jobs_completed_1h: 1, jobs_failed_1h: 0 });
    });
  });

  describe(`JWT secret and registration modes (${kind})`, () => {
    test("production refuses to start without JWT_SECRET; a configured secret is never stored or shown", async () => {
      const { startServer } = await import("../../src/server");
      const { loadConfig } = await import("../../src/config");
      const { freshDatabase } = await import("../helpers/databases");
      const { db, dispose } = await freshDatabase(kind);
      try {
        const config = loadConfig({ HOST: "127.0.0.1", PORT: "0", SPINDLE_ENV: "production", SPINDLE_QUIET: "true", SPINDLE_LOOPS: "false" });
        await expect(startServer(config, { db })).rejects.toThrow("JWT_SECRET is required in production");
        expect(() => loadConfig({ JWT_SECRET: "short" })).toThrow("JWT_SECRET");
      } finally {
        await dispose();
      }
      const secret = "a-production-secret-that-is-long-enough-0123456789";
      const s = await startTestServer(kind, { SPINDLE_ENV: "production", JWT_SECRET: secret, REGISTRATION_MODE: "closed", ADMIN_API_KEY: ADMIN });
      try {
        expect((await s.client().post("/api/v1/organizations", { name: "Closed Org", slug: "closed-org" })).status).toBe(403);
        const made = await s.client().post("/api/v1/organizations", { name: "Closed Org", slug: "closed-org" }, { "x-admin-key": ADMIN });
        expect(made.status).toBe(201);
        expect(made.body.api_key.key).toStartWith("sk_live_");
        const t = (await s.client().post("/api/v1/auth/login", { api_key: made.body.api_key.key })).body;
        expect((await s.client(t.access_token).get("/api/v1/dashboard")).body.system.environment).toBe("production");
        expect(await s.db.query("SELECT 1 FROM server_secrets")).toEqual([]);
        const everything = JSON.stringify([
          (await s.client(t.access_token).get("/api/v1/dashboard")).body,
          (await s.client(t.access_token).get("/api/v1/auth/me")).body,
          (await s.client().get("/api/v1/admin/stats", { "x-admin-key": ADMIN })).body,
        ]);
        expect(everything).not.toContain(secret);
        expect((await s.client().get("/health")).headers.get("strict-transport-security")).toContain("max-age=");
      } finally {
        await s.stop();
      }
    });

    test("development generates one random secret, stores it once and reuses it across restarts and nodes", async () => {
      const a = await startTestServer(kind);
      try {
        const [first] = await a.db.query<{ value: string }>("SELECT value FROM server_secrets WHERE name = 'jwt_hs256'");
        expect(first!.value).toMatch(/^[A-Za-z0-9_-]{64}$/);
        const { key } = await a.newOrg();
        const t = (await a.client().post("/api/v1/auth/login", { api_key: key })).body;
        // a second server on the same database accepts the first one's token
        const { startServer } = await import("../../src/server");
        const { loadConfig } = await import("../../src/config");
        const config = loadConfig({ HOST: "127.0.0.1", PORT: "0", SPINDLE_QUIET: "true", SPINDLE_LOOPS: "false", ...(a.databaseUrl ? { DATABASE_URL: a.databaseUrl } : {}) });
        const b = await startServer(config, a.databaseUrl ? {} : { db: a.db });
        try {
          const r = await fetch(`${b.url}/api/v1/dashboard`, { headers: { authorization: `Bearer ${t.access_token}` } });
          expect(r.status).toBe(200);
        } finally {
          await b.stop();
        }
        const rows = await a.db.query("SELECT value FROM server_secrets");
        expect(rows).toHaveLength(1);
      } finally {
        await a.stop();
      }
    });
  });
}

for (const kind of await databaseKinds()) {
  describe(`deleting an organization while it creates jobs (${kind})`, () => {
    test("no request answers 5xx; either the jobs won (409) or the organization did", async () => {
      for (const quotas of ["on", "off"]) {
        const s = await startTestServer(kind, { SPINDLE_QUOTAS: quotas });
        try {
          for (let round = 0; round < 3; round++) {
            const { orgId, client } = await s.newOrg();
            // The delete is sent amid the creates, a little later each round, so that both outcomes occur.
            const create = (i: number) => client.post("/api/v1/jobs", { queue_name: "race", payload: { i } });
            const before = Array.from({ length: round }, (_, i) => create(i));
            const del = client.delete(`/api/v1/organizations/${orgId}`);
            const after = Array.from({ length: 8 - round }, (_, i) => create(round + i));
            const statuses = (await Promise.all([...before, ...after, del])).map((r) => r.status);
            expect(statuses.filter((st) => st >= 500)).toEqual([]);
            const deleted = statuses.at(-1) === 204;
            if (deleted) expect(statuses.slice(0, -1).every((st) => st === 404 || st === 401)).toBe(true);
            else expect(statuses.at(-1)).toBe(409);
          }
        } finally {
          await s.stop();
        }
      }
    });
  });
}

for (const kind of await databaseKinds()) {
  describe(`usage of workers, schedules and workflows (${kind})`, () => {
    test("they are counted, and an active worker or schedule blocks deleting the organization", async () => {
      const s = await startTestServer(kind, { SPINDLE_LOOPS: "false" });
      try {
        const { orgId, client } = await s.newOrg();
        const worker = await client.post("/api/v1/workers/register", { queue_name: "q", hostname: "host-1" });
        expect(worker.status).toBe(201);
        const schedule = await client.post("/api/v1/schedules", { name: "nightly", cron_expression: "0 0 3 * * *", queue_name: "q", payload_template: {} });
        expect(schedule.status).toBe(201);
        const wf = await client.post("/api/v1/workflows", { name: "wf", jobs: [{ key: "a", queue_name: "q", payload: {} }] });
        expect(wf.status).toBe(200);
        const u = (await client.get("/api/v1/organizations/usage")).body.usage;
        expect(u.workers).toMatchObject({ current: 1, limit: 1 });
        expect(u.schedules).toMatchObject({ current: 1, limit: 1 });
        expect(u.workflows).toMatchObject({ current: 1, limit: 0, is_disabled: true });

        expect((await client.post(`/api/v1/workflows/${wf.body.workflow_id}/cancel`)).status).toBe(200);
        expect((await client.get("/api/v1/organizations/usage")).body.usage.workflows.current).toBe(0);
        const byWorker = await client.delete(`/api/v1/organizations/${orgId}`);
        expect(byWorker.status).toBe(409);
        expect(byWorker.body.message).toContain("active workers");
        await client.post(`/api/v1/workers/${worker.body.worker_id ?? worker.body.id}/deregister`);
        const bySchedule = await client.delete(`/api/v1/organizations/${orgId}`);
        expect(bySchedule.status).toBe(409);
        expect(bySchedule.body.message).toContain("active schedules");
        await client.post(`/api/v1/schedules/${schedule.body.id}/pause`);
        expect((await client.delete(`/api/v1/organizations/${orgId}`)).status).toBe(204);
      } finally {
        await s.stop();
      }
    });
  });
}
