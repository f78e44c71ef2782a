import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";

/**
 * Tenant isolation: with organization B's credentials (its key, and a JWT minted from it), every id of
 * organization A answers 404 and every list is empty of A's data, on every resource family over REST.
 */
for (const kind of await databaseKinds()) {
  describe(`tenant isolation (${kind})`, () => {
    let s: TestServer;
    let a: { orgId: string; key: string; client: Client };
    let bKey: Client;
    let bJwt: Client;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      s = await startTestServer(kind);
      a = await s.newOrg();
      const b = await s.newOrg();
      bKey = b.client;
      bJwt = s.client((await s.client().post("/api/v1/auth/login", { api_key: b.key })).body.access_token);

      // Organization A: jobs in several states, a configured and paused queue, a dead letter, keys, a webhook token.
      ids.pending = (await a.client.post("/api/v1/jobs", { queue_name: "secret-q", payload: { secret: "a-only" }, tags: ["t"] })).body.id;
      ids.leased = (await a.client.post("/api/v1/jobs", { queue_name: "lease-q", payload: {} })).body.id;
      const [leased] = (await a.client.post("/api/v1/jobs/claim", { queue_name: "lease-q", worker_id: "wa" })).body.jobs;
      ids.leaseId = leased.lease_id;
      ids.dead = (await a.client.post("/api/v1/jobs", { queue_name: "dead-q", payload: {}, max_retries: 0 })).body.id;
      await a.client.post("/api/v1/jobs/claim", { queue_name: "dead-q", worker_id: "wa" });
      await a.client.post(`/api/v1/jobs/${ids.dead}/fail`, { worker_id: "wa", error: "boom" });
      await a.client.put("/api/v1/queues/config-q/config", { max_retries: 9 });
      await a.client.post("/api/v1/queues/secret-q/pause");
      ids.key = (await a.client.post("/api/v1/api-keys", { name: "a second key" })).body.id;
      await a.client.post("/api/v1/organizations/webhook-token/regenerate");
    });
    afterAll(() => s.stop());

    const asB = () => [["key", bKey], ["jwt", bJwt]] as const;

    test("jobs: every id of A is 404 and every list of B is empty of A's jobs", async () => {
      for (const [, b] of asB()) {
        for (const id of [ids.pending, ids.leased, ids.dead]) {
          expect((await b.get(`/api/v1/jobs/${id}`)).status).toBe(404);
          expect((await b.get(`/api/v1/jobs/${id}/history`)).status).toBe(404);
          expect((await b.delete(`/api/v1/jobs/${id}`)).status).toBe(404);
          expect((await b.post(`/api/v1/jobs/${id}/retry`)).status).toBe(404);
          expect((await b.put(`/api/v1/jobs/${id}/priority`, { priority: 5 })).status).toBe(404);
        }
        for (const action of ["complete", "fail", "heartbeat"]) {
          const r = await b.post(`/api/v1/jobs/${ids.leased}/${action}`, { worker_id: "wa", lease_id: ids.leaseId, error: "x", lease_duration_secs: 60 });
          expect(r.status).toBe(404);
        }
        expect((await b.get(`/api/v1/jobs/status?ids=${ids.pending},${ids.dead}`)).body).toEqual([]);
        expect((await b.get("/api/v1/jobs")).body).toEqual([]);
        expect((await b.get("/api/v1/jobs?queue_name=secret-q&tag=t")).body).toEqual([]);
        expect((await b.get("/api/v1/jobs/dlq")).body).toEqual([]);
        expect((await b.post("/api/v1/jobs/dlq/retry", { job_ids: [ids.dead] })).body.retried_count).toBe(0);
        expect((await b.post("/api/v1/jobs/dlq/purge", { confirm: true })).body.purged_count).toBe(0);
        expect((await b.get("/api/v1/jobs/stats")).body.total).toBe(0);
        expect((await b.post("/api/v1/jobs/claim", { queue_name: "secret-q", worker_id: "thief" })).body.jobs).toEqual([]);
      }
      // A's jobs are untouched by all of that
      expect((await a.client.get(`/api/v1/jobs/${ids.pending}`)).body).toMatchObject({ status: "pending", priority: 0, payload: { secret: "a-only" } });
      expect((await a.client.get(`/api/v1/jobs/${ids.leased}`)).body.status).toBe("processing");
      expect((await a.client.get(`/api/v1/jobs/${ids.dead}`)).body.status).toBe("deadletter");
    });

    test("queues: A's queues are invisible to B, and B's same-named queue is B's own", async () => {
      for (const [, b] of asB()) {
        expect((await b.get("/api/v1/queues")).body).toEqual([]);
        for (const name of ["secret-q", "config-q", "dead-q"]) expect((await b.get(`/api/v1/queues/${name}`)).status).toBe(404);
        expect((await b.delete("/api/v1/queues/config-q")).status).toBe(404);
        expect((await b.post("/api/v1/queues/secret-q/resume")).status).toBe(404);
        const stats = await b.get("/api/v1/queues/secret-q/stats");
        if (stats.status === 200) expect(stats.body).toMatchObject({ pending_jobs: 0, processing_jobs: 0 });
        else expect(stats.status).toBe(404);
      }
      await bKey.post("/api/v1/queues/config-q/pause");
      expect((await a.client.get("/api/v1/queues/config-q")).body).toMatchObject({ enabled: true, max_retries: 9 });
      expect((await a.client.get("/api/v1/queues/secret-q")).body.enabled).toBe(false);
    });

    test("organizations: A's id is 404 for reading, changing, deleting, members and its webhook token", async () => {
      for (const [, b] of asB()) {
        expect((await b.get(`/api/v1/organizations/${a.orgId}`)).status).toBe(404);
        expect((await b.put(`/api/v1/organizations/${a.orgId}`, { name: "Hijacked" })).status).toBe(404);
        expect((await b.delete(`/api/v1/organizations/${a.orgId}`)).status).toBe(404);
        expect((await b.get(`/api/v1/organizations/${a.orgId}/members`)).status).toBe(404);
        expect((await b.get(`/api/v1/organizations/${a.orgId}/webhook-token`)).status).toBe(404);
        expect((await b.post(`/api/v1/organizations/${a.orgId}/webhook-token/regenerate`)).status).toBe(404);
        expect((await b.post(`/api/v1/organizations/${a.orgId}/webhook-token/clear`, { confirm: true })).status).toBe(404);
        const list = (await b.get("/api/v1/organizations")).body;
        expect(list.map((o: any) => o.id)).not.toContain(a.orgId);
        expect(list).toHaveLength(1);
        expect((await b.get("/api/v1/organizations/webhook-token")).body.webhook_token).toBeNull();
      }
      const mine = (await a.client.get(`/api/v1/organizations/${a.orgId}`)).body;
      expect(mine.name).toStartWith("Org ");
      expect((await a.client.get("/api/v1/organizations/webhook-token")).body.webhook_token).toStartWith("whk_");
    });

    test("API keys: A's keys are 404 for B and absent from B's list; revoking is impossible across organizations", async () => {
      const aKeys = (await a.client.get("/api/v1/api-keys")).body.map((k: any) => k.id);
      expect(aKeys).toContain(ids.key);
      for (const [, b] of asB()) {
        for (const id of aKeys) {
          expect((await b.get(`/api/v1/api-keys/${id}`)).status).toBe(404);
          expect((await b.put(`/api/v1/api-keys/${id}`, { is_active: false })).status).toBe(404);
          expect((await b.delete(`/api/v1/api-keys/${id}`)).status).toBe(404);
        }
        const bList = (await b.get("/api/v1/api-keys")).body.map((k: any) => k.id);
        expect(bList.some((id: string) => aKeys.includes(id))).toBe(false);
      }
      expect((await a.client.get("/api/v1/dashboard")).status).toBe(200);
      expect((await a.client.get(`/api/v1/api-keys/${ids.key}`)).body.is_active).toBe(true);
    });

    test("usage, dashboard and billing count only the caller's organization", async () => {
      for (const [, b] of asB()) {
        const u = (await b.get("/api/v1/organizations/usage")).body;
        expect(u.usage).toMatchObject({ jobs_today: { current: 0 }, active_jobs: { current: 0 }, queues: { current: 1 }, api_keys: { current: 1 } });
        const d = (await b.get("/api/v1/dashboard")).body;
        expect(d.jobs).toMatchObject({ total: 0, pending: 0, processing: 0, deadletter: 0 });
        expect(d.queues.map((q: any) => q.name)).toEqual(["config-q"]);
        expect(d.recent_activity.jobs_created_1h).toBe(0);
      }
      const aUsage = (await a.client.get("/api/v1/organizations/usage")).body;
      expect(aUsage.usage).toMatchObject({ jobs_today: { current: 3 }, active_jobs: { current: 2 }, api_keys: { current: 2 } });
    });
  });
}
