import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { featuresWithout } from "../../src/features";

/** Every route the webhooks feature mounts, one of each group; each answers something other than 404 when it is on. */
const webhookRoutes = (orgId: string) => [
  ["GET", "/api/v1/outgoing-webhooks"],
  ["GET", "/api/v1/outgoing-webhooks/hosts"],
  ["GET", "/api/v1/delivery-breakers"],
  ["GET", "/api/v1/delivery-queues/spindle.http/secrets"],
  ["POST", `/api/v1/webhooks/${orgId}/custom`],
] as const;

for (const kind of await databaseKinds()) {
  describe(`the feature list decides what a server has (${kind})`, () => {
    let full: TestServer;
    let bare: TestServer;
    let fullApi: { client: Client; orgId: string };
    let bareApi: { client: Client; orgId: string };
    beforeAll(async () => {
      [full, bare] = await Promise.all([startTestServer(kind), startTestServer(kind, {}, featuresWithout("webhooks"))]);
      [fullApi, bareApi] = await Promise.all([full.newOrg(), bare.newOrg()]);
    });
    afterAll(async () => {
      await Promise.all([full?.stop(), bare?.stop()]);
    });

    test("without webhooks, none of its routes exist; with it, each one answers", async () => {
      for (const [method, path] of webhookRoutes(fullApi.orgId)) {
        const r = await fullApi.client.request(method, path, method === "POST" ? { queue_name: "in", payload: {} } : undefined);
        expect({ path, status: r.status }).not.toEqual({ path, status: 404 });
      }
      for (const [method, path] of webhookRoutes(bareApi.orgId)) {
        const r = await bareApi.client.request(method, path, method === "POST" ? { queue_name: "in", payload: {} } : undefined);
        expect({ path, status: r.status, code: r.body?.code }).toEqual({ path, status: 404, code: "NOT_FOUND" });
      }
    });

    test("without webhooks, no delivery runtime is built and no delivery loop reports hosts", async () => {
      expect(full.features).toContain("webhooks");
      expect(bare.features).not.toContain("webhooks");
      expect(full.delivery).toBeDefined();
      expect(bare.delivery).toBeUndefined();
      const scrape = async (s: TestServer) => (await fetch(`${s.url}/metrics`)).text();
      expect(await scrape(full)).toContain("# TYPE spindle_delivery_host_in_flight gauge");
      expect(await scrape(bare)).not.toContain("spindle_delivery_host_");
    });

    test("without webhooks, its hooks are gone: a spindle.http job is a plain job any worker may claim", async () => {
      const invalid = { queue_name: "spindle.http.plain", payload: { not: "a request" } };
      expect((await fullApi.client.post("/api/v1/jobs", invalid)).status).toBe(400);
      const created = await bareApi.client.post("/api/v1/jobs", invalid);
      expect(created.status).toBe(201);
      const claim = await bareApi.client.post("/api/v1/jobs/claim", { queue_name: "spindle.http.plain", worker_id: "w-1", limit: 1 });
      expect(claim.status).toBe(200);
      expect(claim.body.jobs.map((j: any) => j.id)).toEqual([created.body.id]);
    });

    test("the other features stay: jobs, schedules, realtime and gRPC are there without webhooks", async () => {
      expect(bare.hub).toBeDefined();
      expect(bare.grpc?.port).toBeGreaterThan(0);
      expect((await bareApi.client.get("/api/v1/schedules")).status).toBe(200);
      expect((await bareApi.client.get("/api/v1/jobs")).status).toBe(200);
    });
  });
}
