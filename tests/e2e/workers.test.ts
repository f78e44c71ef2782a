import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { eventually } from "../helpers/eventually";

async function registerWorker(api: Client, body: Record<string, unknown>) {
  const r = await api.post("/api/v1/workers/register", { queue_name: "work", hostname: "host-1", ...body });
  expect(r.status).toBe(201);
  return r.body;
}

for (const kind of await databaseKinds()) {
  describe(`workers over HTTP (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    beforeAll(async () => {
      // Default liveness thresholds (15 s / 30 s): these tests must not race a worker turning degraded.
      s = await startTestServer(kind);
      api = (await s.newOrg()).client;
    });
    afterAll(() => s.stop());

    const register = (body: Record<string, unknown> = {}) => registerWorker(api, body);

    test("register, list, inspect, heartbeat and deregister a worker", async () => {
      const reg = await register({ worker_type: "nodejs", version: "1.0.0", max_concurrency: 3, metadata: { region: "eu" } });
      expect(reg).toMatchObject({ queue_name: "work", lease_duration_secs: 30, heartbeat_interval_secs: 10 });
      const w = (await api.get(`/api/v1/workers/${reg.id}`)).body;
      expect(w).toMatchObject({ id: reg.id, hostname: "host-1", worker_type: "nodejs", version: "1.0.0", max_concurrency: 3, current_jobs: 0, status: "healthy", metadata: { region: "eu" } });
      expect((await api.post(`/api/v1/workers/${reg.id}/heartbeat`, { current_jobs: 2, status: "draining" })).status).toBe(200);
      expect((await api.get(`/api/v1/workers/${reg.id}`)).body).toMatchObject({ current_jobs: 2, status: "draining" });
      const list = (await api.get("/api/v1/workers")).body;
      expect(list.find((x: any) => x.id === reg.id)).toMatchObject({ hostname: "host-1", current_jobs: 2, max_concurrency: 3 });
      expect((await api.post(`/api/v1/workers/${reg.id}/deregister`)).status).toBe(204);
      expect((await api.get(`/api/v1/workers/${reg.id}`)).body.status).toBe("offline");
    });

    test("bad input is refused with the field named; unknown workers are 404", async () => {
      const bad = await api.post("/api/v1/workers/register", { queue_name: "work", hostname: "-bad-" });
      expect(bad.status).toBe(400);
      expect(bad.body.details[0].field).toBe("hostname");
      const hb = await api.post("/api/v1/workers/non-existent-worker-id/heartbeat", { current_jobs: 0 });
      expect(hb.status).toBe(404);
      const reg = await register();
      const badStatus = await api.post(`/api/v1/workers/${reg.id}/heartbeat`, { current_jobs: 0, status: "sleepy" });
      expect(badStatus.status).toBe(400);
      expect((await api.post(`/api/v1/workers/${reg.id}/heartbeat`, {})).body.details[0].field).toBe("current_jobs");
      expect((await api.post("/api/v1/workers/non-existent-worker-id/deregister")).status).toBe(404);
      expect((await api.get("/api/v1/workers/non-existent-worker-id")).status).toBe(404);
    });

    test("deregistering returns in-flight jobs to the queue without using an attempt", async () => {
      const reg = await register({ queue_name: "handoff" });
      const { body } = await api.post("/api/v1/jobs", { queue_name: "handoff", payload: {} });
      await api.post("/api/v1/jobs/claim", { queue_name: "handoff", worker_id: reg.id });
      await api.post(`/api/v1/workers/${reg.id}/deregister`);
      const job = (await api.get(`/api/v1/jobs/${body.id}`)).body;
      expect(job).toMatchObject({ status: "pending", retry_count: 0, assigned_worker_id: null, lease_id: null });
      const events = (await api.get(`/api/v1/jobs/${body.id}/history`)).body.map((h: any) => h.event);
      expect(events).toEqual(["created", "claimed", "released"]);
    });

    test("queue stats count healthy workers serving the queue", async () => {
      await register({ queue_name: "counted", hostname: "a" });
      await register({ queue_name: "other", queue_names: ["counted"], hostname: "b" });
      expect((await api.get("/api/v1/queues/counted/stats")).body.active_workers).toBe(2);
    });

    test("a worker of another organization is invisible", async () => {
      const reg = await register();
      const other = (await s.newOrg()).client;
      expect((await other.get(`/api/v1/workers/${reg.id}`)).status).toBe(404);
      expect((await other.get("/api/v1/workers")).body).toEqual([]);
      const stolen = await other.post("/api/v1/workers/register", { queue_name: "work", hostname: "x", worker_id: reg.id });
      expect(stolen.status).toBe(409);
    });
  });

  // Short thresholds on a server of its own. The degraded window (2 s to 6 s of silence) is several sweeps (one a
  // second) wide, so a late sweep still sees the worker degraded before it goes offline.
  describe(`silent workers (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    beforeAll(async () => {
      s = await startTestServer(kind, { SPINDLE_WORKER_DEGRADED_SECS: "2", SPINDLE_WORKER_OFFLINE_SECS: "6" });
      api = (await s.newOrg()).client;
    });
    afterAll(() => s.stop());

    const register = (body: Record<string, unknown> = {}) => registerWorker(api, body);

    test("a silent worker turns degraded, then offline, and its jobs go back within seconds", async () => {
      const reg = await register({ queue_name: "silent" });
      const { body } = await api.post("/api/v1/jobs", { queue_name: "silent", payload: {} });
      const claimed = await api.post("/api/v1/jobs/claim", { queue_name: "silent", worker_id: reg.id, lease_duration_secs: 3600 });
      expect(claimed.body.jobs).toHaveLength(1);
      const seen = new Set<string>();
      await eventually(
        async () => (await api.get(`/api/v1/workers/${reg.id}`)).body.status as string,
        (status) => (seen.add(status), status === "offline"),
        30_000,
        150,
      );
      expect(seen.has("degraded")).toBe(true);
      const job = (await api.get(`/api/v1/jobs/${body.id}`)).body;
      expect(job).toMatchObject({ status: "pending", retry_count: 1, last_error: "Worker went offline" });
      expect((await api.get("/api/v1/queues/silent/stats")).body.active_workers).toBe(0);
    });
  });
}
