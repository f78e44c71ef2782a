import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";

for (const kind of await databaseKinds()) {
  describe(`routes the official SDKs call, and wrong methods (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    beforeAll(async () => {
      s = await startTestServer(kind);
      api = (await s.newOrg()).client;
    });
    afterAll(() => s.stop());

    test("GET /auth/email/check (Python SDK) answers exactly as /auth/check-email", async () => {
      const anonymous = s.client();
      for (const email of ["nobody@example.com", "not-an-email"]) {
        const contract = await anonymous.get(`/api/v1/auth/check-email?email=${encodeURIComponent(email)}`);
        const alias = await anonymous.get(`/api/v1/auth/email/check?email=${encodeURIComponent(email)}`);
        expect(alias.status).toBe(contract.status);
        expect(alias.body).toEqual(contract.body);
      }
      expect((await anonymous.get("/api/v1/auth/email/check?email=nobody@example.com")).body).toEqual({ available: true, exists: false, signup_enabled: false });
    });

    test("DELETE /workers/{id} (Go SDK) deregisters: 204, worker offline, its job back to pending with no retry counted", async () => {
      const worker = (await api.post("/api/v1/workers/register", { queue_name: "alias", hostname: "host-1" })).body;
      const job = (await api.post("/api/v1/jobs", { queue_name: "alias", payload: {} })).body;
      const claimed = (await api.post("/api/v1/jobs/claim", { queue_name: "alias", worker_id: worker.id })).body.jobs;
      expect(claimed.map((j: any) => j.id)).toEqual([job.id]);

      const r = await api.delete(`/api/v1/workers/${worker.id}`);
      expect(r.status).toBe(204);
      expect((await api.get(`/api/v1/workers/${worker.id}`)).body.status).toBe("offline");
      expect((await api.get(`/api/v1/jobs/${job.id}`)).body).toMatchObject({ status: "pending", retry_count: 0 });
      expect((await api.delete("/api/v1/workers/no-such-worker")).status).toBe(404);
    });

    test("a known path with an unknown method answers 405 with Allow and a JSON body, authenticated or not", async () => {
      for (const client of [api, s.client()]) {
        const r = await client.request("PUT", "/api/v1/jobs");
        expect(r.status).toBe(405);
        expect(r.headers.get("allow")).toBe("GET, HEAD, POST");
        expect(r.body).toMatchObject({ code: "METHOD_NOT_ALLOWED" });
        expect(r.body.message).toContain("PUT");
      }
      const byId = await api.request("PATCH", "/api/v1/workers/some-id");
      expect(byId.status).toBe(405);
      expect(byId.headers.get("allow")).toBe("DELETE, GET, HEAD");
      const publicRoute = await s.client().post("/api/v1/auth/check-email");
      expect(publicRoute.status).toBe(405);
      expect(publicRoute.headers.get("allow")).toBe("GET, HEAD");
      const health = await s.client().request("DELETE", "/health");
      expect(health.status).toBe(405);
      expect(health.headers.get("allow")).toBe("GET, HEAD");
    });

    test("an unknown path is still 404, and the right method still reaches its route", async () => {
      const unknown = await api.request("PUT", "/api/v1/no-such-thing");
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get("allow")).toBeNull();
      expect((await api.get("/api/v1/jobs")).status).toBe(200);
      const head = await fetch(`${s.url}/health`, { method: "HEAD" });
      expect(head.status).toBe(200);
    });
  });
}
