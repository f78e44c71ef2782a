import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { eventually } from "../helpers/eventually";
import { enforceRetention } from "../../src/engine/retention";

/** Retention (issue 12): finished jobs leave with their history and attempts after their window, nothing else does. */
for (const kind of await databaseKinds()) {
  describe(`retention (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    beforeAll(async () => {
      // The loop itself is exercised by its own server below; here each pass is run by the test.
      s = await startTestServer(kind, { SPINDLE_LOOPS: "false", SPINDLE_RETENTION_BATCH: "2", SPINDLE_RETENTION_MAX_PER_PASS: "1000" });
      api = (await s.newOrg()).client;
    });
    afterAll(() => s.stop());

    const create = async (queue: string, extra: object = {}) => (await api.post("/api/v1/jobs", { queue_name: queue, payload: {}, ...extra })).body.id as string;
    async function finish(queue: string, how: "complete" | "fail" | "cancel") {
      const id = await create(queue, how === "fail" ? { max_retries: 0 } : {});
      if (how === "cancel") {
        expect((await api.delete(`/api/v1/jobs/${id}`)).status).toBeLessThan(300);
        return id;
      }
      const [job] = (await api.post("/api/v1/jobs/claim", { queue_name: queue, worker_id: "w" })).body.jobs;
      expect(job.id).toBe(id);
      expect((await api.post(`/api/v1/jobs/${id}/${how}`, { worker_id: "w", ...(how === "fail" ? { error: "boom" } : {}) })).status).toBe(200);
      return id;
    }
    const age = (ids: string[], days: number) => s.db.query(`UPDATE jobs SET updated_at = now() - make_interval(secs => $2::float8) WHERE id = ANY($1::text[])`, [ids, days * 86_400]);
    const exists = async (id: string) => (await api.get(`/api/v1/jobs/${id}`)).status === 200;
    const historyRows = async (ids: string[]) => (await s.db.query<{ n: number }>("SELECT count(*)::int AS n FROM job_events WHERE job_id = ANY($1::text[])", [ids]))[0]!.n;

    test("completed and cancelled go after 7 days, dead-lettered after 30, with their history; live jobs stay", async () => {
      const oldCompleted = await finish("ret", "complete");
      const oldCancelled = await finish("ret", "cancel");
      const youngDead = await finish("ret", "fail");
      const oldDead = await finish("ret", "fail");
      const fresh = await finish("ret", "complete");
      const oldPending = await create("ret");
      await age([oldCompleted, oldCancelled, youngDead], 8);
      await age([oldDead, oldPending], 31);
      expect(await historyRows([oldCompleted, oldCancelled, oldDead])).toBeGreaterThan(0);

      const pass = await enforceRetention(s.engine);
      expect(pass.jobs).toBe(3);
      for (const gone of [oldCompleted, oldCancelled, oldDead]) expect(await exists(gone)).toBe(false);
      for (const kept of [youngDead, fresh, oldPending]) expect(await exists(kept)).toBe(true);
      expect(await historyRows([oldCompleted, oldCancelled, oldDead])).toBe(0);
      expect(await historyRows([youngDead, fresh, oldPending])).toBeGreaterThan(0);
      expect((await enforceRetention(s.engine)).jobs).toBe(0);
    });

    test("a queue's settings.retention overrides the windows, either way; bad values are 400s naming the field", async () => {
      expect((await api.put("/api/v1/queues/keep-long/config", { settings: { retention: { completed_days: 365 } } })).status).toBe(200);
      expect((await api.put("/api/v1/queues/short/config", { settings: { retention: { completed_days: 1, deadletter_days: 2 } } })).status).toBe(200);
      const keptLong = await finish("keep-long", "complete");
      const deadInKeepLong = await finish("keep-long", "fail"); // only completed_days overridden: 30 days still apply
      const shortDone = await finish("short", "complete");
      const shortDead = await finish("short", "fail");
      await age([keptLong, shortDead], 8);
      await age([deadInKeepLong], 31);
      await age([shortDone], 1.5);
      await enforceRetention(s.engine);
      expect(await exists(keptLong)).toBe(true);
      expect(await exists(deadInKeepLong)).toBe(false);
      expect(await exists(shortDone)).toBe(false);
      expect(await exists(shortDead)).toBe(false);

      const bad = await api.put("/api/v1/queues/short/config", { settings: { retention: { completed_days: -1 } } });
      expect(bad.status).toBe(400);
      expect(bad.body.details[0].field).toBe("settings.retention.completed_days");
      const unknown = await api.put("/api/v1/queues/short/config", { settings: { retention: { forever: true } } });
      expect(unknown.status).toBe(400);
    });

    test("a pass is bounded and works in small batches; the rest goes next pass", async () => {
      const bounded = await startTestServer(kind, { SPINDLE_LOOPS: "false", SPINDLE_RETENTION_BATCH: "2", SPINDLE_RETENTION_MAX_PER_PASS: "3" });
      try {
        const { client } = await bounded.newOrg();
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const id = (await client.post("/api/v1/jobs", { queue_name: "many", payload: { i } })).body.id;
          await client.delete(`/api/v1/jobs/${id}`);
          ids.push(id);
        }
        await bounded.db.query(`UPDATE jobs SET updated_at = now() - interval '8 days' WHERE id = ANY($1::text[])`, [ids]);
        expect(await enforceRetention(bounded.engine)).toMatchObject({ jobs: 3, capped: true });
        expect(await enforceRetention(bounded.engine)).toMatchObject({ jobs: 2, capped: false });
      } finally {
        await bounded.stop();
      }
    });

    test("a finished job a live job depends on stays until that one finishes", async () => {
      const parent = await finish("deps", "complete");
      const child = await create("deps-child");
      const linked = await api.post(`/api/v1/jobs/${child}/dependencies`, { depends_on: [parent] });
      expect(linked.status).toBeLessThan(300);
      await age([parent], 8);
      await enforceRetention(s.engine);
      expect(await exists(parent)).toBe(true);
      await api.delete(`/api/v1/jobs/${child}`);
      await enforceRetention(s.engine);
      expect(await exists(parent)).toBe(false);
    });

    test("the leader's loop runs the passes by itself", async () => {
      const looping = await startTestServer(kind, { SPINDLE_RETENTION_INTERVAL_SECS: "1", SPINDLE_LEADER_CHECK_MS: "100" });
      try {
        const { client } = await looping.newOrg();
        const id = (await client.post("/api/v1/jobs", { queue_name: "auto", payload: {} })).body.id;
        await client.delete(`/api/v1/jobs/${id}`);
        await looping.db.query(`UPDATE jobs SET updated_at = now() - interval '8 days' WHERE id = $1`, [id]);
        await eventually(async () => (await client.get(`/api/v1/jobs/${id}`)).status, (st) => st === 404);
      } finally {
        await looping.stop();
      }
    });
  });
}
