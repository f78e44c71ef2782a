import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";

/** Our REST extensions on the claim path: long-poll claims (wait_ms) and batched completion (POST /jobs/complete). */
for (const kind of await databaseKinds()) {
  describe(`claim extensions (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    beforeAll(async () => {
      s = await startTestServer(kind);
      api = (await s.newOrg()).client;
    });
    afterAll(() => s.stop());

    const claim = (queue: string, worker: string, limit: number, extra: Record<string, unknown> = {}) =>
      api.post("/api/v1/jobs/claim", { queue_name: queue, worker_id: worker, limit, ...extra });

    test("a waiting claim returns a job created while it waits, and an empty list when its wait runs out", async () => {
      const waiting = claim("long-poll", "w", 5, { wait_ms: 20_000 });
      await Bun.sleep(300);
      const created = await api.post("/api/v1/jobs", { queue_name: "long-poll", payload: { n: 1 } });
      const reply = await waiting;
      expect(reply.status).toBe(200);
      expect(reply.body.jobs.map((j: any) => j.id)).toEqual([created.body.id]);

      const empty = await claim("long-poll-empty", "w", 1, { wait_ms: 300 });
      expect(empty.body).toEqual({ jobs: [] });
      expect((await claim("q", "w", 1, { wait_ms: 30_001 })).body.details[0].field).toBe("wait_ms");
    });

    test("batched completion completes the caller's live leases and says why the others were refused", async () => {
      const bulk = await api.post("/api/v1/jobs/bulk", { queue_name: "batch-done", jobs: [1, 2, 3, 4].map((n) => ({ payload: { n } })) });
      expect(bulk.body.success_count).toBe(4);
      const mine = (await claim("batch-done", "me", 3)).body.jobs;
      const theirs = (await claim("batch-done", "them", 1)).body.jobs;
      const reply = await api.post("/api/v1/jobs/complete", {
        worker_id: "me",
        jobs: [
          { job_id: mine[0].id, lease_id: mine[0].lease_id, result: { ok: 0 } },
          { job_id: mine[1].id },
          { job_id: mine[2].id, lease_id: "stale" },
          { job_id: theirs[0].id },
          { job_id: "no-such-job" },
        ],
      });
      expect(reply.status).toBe(200);
      expect(reply.body.succeeded.sort()).toEqual([mine[0].id, mine[1].id].sort());
      expect(reply.body.failed).toEqual([
        { job_id: mine[2].id, code: "LEASE_EXPIRED", error: "Lease expired or lease_id is stale" },
        { job_id: theirs[0].id, code: "NOT_FOUND", error: "Job not found or not owned by worker" },
        { job_id: "no-such-job", code: "NOT_FOUND", error: "Job not found or not owned by worker" },
      ]);
      expect((await api.get(`/api/v1/jobs/${mine[0].id}`)).body).toMatchObject({ status: "completed", result: { ok: 0 } });
      expect((await api.get(`/api/v1/jobs/${mine[2].id}`)).body.status).toBe("processing");
      const history = (await api.get(`/api/v1/jobs/${mine[1].id}/history`)).body;
      expect(history.map((h: any) => [h.event, h.worker_id])).toEqual([["created", null], ["claimed", "me"], ["completed", "me"]]);

      const again = await api.post("/api/v1/jobs/complete", { worker_id: "me", jobs: [{ job_id: mine[0].id }] });
      expect(again.body).toEqual({ succeeded: [], failed: [{ job_id: mine[0].id, code: "NOT_FOUND", error: "Job not found or not owned by worker" }] });
      expect((await api.post("/api/v1/jobs/complete", { worker_id: "me", jobs: [] })).body.details[0].field).toBe("jobs");
    });
  });
}
