import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { eventually } from "../helpers/eventually";

/** A lease that expires is a failed attempt (issue 12): retry policy's backoff, then the DLQ with "lease expired". */
for (const kind of await databaseKinds()) {
  describe(`expired leases count as failed attempts (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    beforeAll(async () => {
      // A long backoff base so that the delay is unmistakable (equal jitter: at least half of 60 s).
      s = await startTestServer(kind, { SPINDLE_BACKOFF_BASE_SECS: "60", SPINDLE_BACKOFF_CAP_SECS: "600" });
      api = (await s.newOrg()).client;
    });
    afterAll(() => s.stop());

    const claimOne = async (queue: string) => (await api.post("/api/v1/jobs/claim", { queue_name: queue, worker_id: "doomed", lease_duration_secs: 5 })).body.jobs;

    test("a poison job whose workers die goes back only after the backoff, then dead-letters with 'lease expired'", async () => {
      const retried = (await api.post("/api/v1/jobs", { queue_name: "poison", payload: {}, max_retries: 1 })).body.id;
      const exhausted = (await api.post("/api/v1/jobs", { queue_name: "poison-last", payload: {}, max_retries: 0 })).body.id;
      expect((await claimOne("poison")).map((j: any) => j.id)).toEqual([retried]);
      expect((await claimOne("poison-last")).map((j: any) => j.id)).toEqual([exhausted]);

      const back = await eventually(async () => (await api.get(`/api/v1/jobs/${retried}`)).body, (j) => j.status !== "processing", 30_000, 250);
      expect(back).toMatchObject({ status: "pending", retry_count: 1, last_error: "lease expired" });
      expect(Date.parse(back.scheduled_at) - Date.now()).toBeGreaterThan(20_000);
      expect(await claimOne("poison")).toEqual([]); // not claimable before its backoff
      const history = (await api.get(`/api/v1/jobs/${retried}/history`)).body;
      expect(history.at(-1)).toMatchObject({ event: "lease_expired", error: "lease expired", detail: { retry_count: 1, max_retries: 1 } });

      const dead = await eventually(async () => (await api.get(`/api/v1/jobs/${exhausted}`)).body, (j) => j.status !== "processing", 30_000, 250);
      expect(dead).toMatchObject({ status: "deadletter", retry_count: 1, last_error: "lease expired" });
      const dlq = (await api.get("/api/v1/jobs/dlq?queue_name=poison-last")).body;
      expect(dlq.map((j: any) => j.id)).toEqual([exhausted]);
    });
  });
}
