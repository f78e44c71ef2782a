import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { eventually } from "../helpers/eventually";

for (const kind of await databaseKinds()) {
  describe(`jobs API over HTTP (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    beforeAll(async () => {
      s = await startTestServer(kind);
      api = (await s.newOrg()).client;
    });
    afterAll(() => s.stop());

    const create = async (body: Record<string, unknown>) => {
      const r = await api.post("/api/v1/jobs", { payload: { n: 1 }, ...body });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    const claim = async (queue: string, worker = "w1", limit = 1, lease = 30) => {
      const r = await api.post("/api/v1/jobs/claim", { queue_name: queue, worker_id: worker, limit, lease_duration_secs: lease });
      expect(r.status).toBe(200);
      return r.body.jobs as any[];
    };

    test("a created job can be read, listed, and its history shows every step", async () => {
      const id = await create({ queue_name: "emails", payload: { to: "a@b.c" }, priority: 5, tags: ["welcome"], max_retries: 2, timeout_seconds: 60 });
      const job = (await api.get(`/api/v1/jobs/${id}`)).body;
      expect(job).toMatchObject({ id, queue_name: "emails", status: "pending", payload: { to: "a@b.c" }, priority: 5, max_retries: 2, timeout_seconds: 60, retry_count: 0, tags: ["welcome"], result: null, lease_id: null });
      expect(job.created_at).toMatch(/Z$/);

      const listed = (await api.get("/api/v1/jobs?queue_name=emails&tag=welcome")).body;
      expect(listed.map((j: any) => j.id)).toEqual([id]);
      expect(listed[0]).toMatchObject({ retry_count: 0, attempt: 0, max_retries: 2 });

      const [leased] = await claim("emails", "worker-a");
      expect(leased).toMatchObject({ id, payload: { to: "a@b.c" }, retry_count: 0 });
      expect(leased.lease_id).toBeString();
      expect((await api.post(`/api/v1/jobs/${id}/complete`, { worker_id: "worker-a", result: { ok: true }, lease_id: leased.lease_id })).status).toBe(200);

      const done = (await api.get(`/api/v1/jobs/${id}`)).body;
      expect(done).toMatchObject({ status: "completed", result: { ok: true } });
      const history = (await api.get(`/api/v1/jobs/${id}/history`)).body;
      expect(history.map((h: any) => h.event)).toEqual(["created", "claimed", "completed"]);
      expect(history[1]).toMatchObject({ worker_id: "worker-a", status: "processing" });
    });

    test("idempotency: the second create returns the first job with 200 and changes nothing", async () => {
      const first = await api.post("/api/v1/jobs", { queue_name: "idem", payload: { v: 1 }, idempotency_key: "k-1" });
      const second = await api.post("/api/v1/jobs", { queue_name: "other", payload: { v: 2 }, idempotency_key: "k-1" });
      expect(first.status).toBe(201);
      expect(second.status).toBe(200);
      expect(second.body).toEqual({ id: first.body.id, created: false });
      expect((await api.get(`/api/v1/jobs/${first.body.id}`)).body.payload).toEqual({ v: 1 });
    });

    test("20 concurrent creates with one idempotency key give one job", async () => {
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) => api.post("/api/v1/jobs", { queue_name: "race", payload: { i }, idempotency_key: "same-key" })),
      );
      const ids = new Set(replies.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
      expect(replies.filter((r) => r.status === 200)).toHaveLength(19);
      expect((await api.get("/api/v1/jobs/stats?queue_name=race")).body.total).toBe(1);
    });

    test("claims go by priority, then first in first out, in one batch", async () => {
      const low = await create({ queue_name: "order", priority: -5 });
      const a = await create({ queue_name: "order" });
      const b = await create({ queue_name: "order" });
      const high = await create({ queue_name: "order", priority: 10 });
      const jobs = await claim("order", "w", 10);
      expect(jobs.map((j) => j.id)).toEqual([high, a, b, low]);
    });

    test("8 concurrent claimers drain 2,000 jobs, each completed exactly once", async () => {
      for (let i = 0; i < 20; i++) {
        const r = await api.post("/api/v1/jobs/bulk", { queue_name: "drain", jobs: Array.from({ length: 100 }, (_, k) => ({ payload: { i: i * 100 + k } })) });
        expect(r.body.success_count).toBe(100);
      }
      const seen = new Map<string, number>();
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (;;) {
            const jobs = await claim("drain", `drainer-${w}`, 25);
            if (jobs.length === 0) return;
            for (const j of jobs) {
              seen.set(j.id, (seen.get(j.id) ?? 0) + 1);
              const r = await api.post(`/api/v1/jobs/${j.id}/complete`, { worker_id: `drainer-${w}`, lease_id: j.lease_id });
              expect(r.status).toBe(200);
            }
          }
        }),
      );
      expect(seen.size).toBe(2000);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      const stats = (await api.get("/api/v1/jobs/stats?queue_name=drain")).body;
      expect(stats).toMatchObject({ completed: 2000, pending: 0, processing: 0, total: 2000 });
    });

    test("a failed job is retried with backoff, then dead-lettered with its payload and error kept", async () => {
      const id = await create({ queue_name: "flaky", payload: { keep: "me" }, max_retries: 1 });
      let [j] = await claim("flaky");
      const fail1 = await api.post(`/api/v1/jobs/${id}/fail`, { worker_id: "w1", error: "boom 1", lease_id: j.lease_id });
      expect(fail1.body).toMatchObject({ success: true, will_retry: true });
      let job = (await api.get(`/api/v1/jobs/${id}`)).body;
      expect(job).toMatchObject({ status: "pending", retry_count: 1, last_error: "boom 1" });
      // Invisible to claims until the backoff passes. Judged on the server's clock, so a slow machine cannot
      // break it: the retry is due after the failure, and the claim that finally gets it happens no earlier.
      const failedAt = (await api.get(`/api/v1/jobs/${id}/history`)).body.find((h: any) => h.event === "failed").created_at;
      expect(Date.parse(job.scheduled_at)).toBeGreaterThan(Date.parse(failedAt));
      [j] = await eventually(() => claim("flaky"), (jobs) => jobs.length > 0);
      expect(j.id).toBe(id);
      const reclaimedAt = (await api.get(`/api/v1/jobs/${id}/history`)).body.filter((h: any) => h.event === "claimed")[1].created_at;
      expect(Date.parse(reclaimedAt)).toBeGreaterThanOrEqual(Date.parse(job.scheduled_at));
      const fail2 = await api.post(`/api/v1/jobs/${id}/fail`, { worker_id: "w1", error: "boom 2" });
      expect(fail2.body.will_retry).toBe(false);
      job = (await api.get(`/api/v1/jobs/${id}`)).body;
      expect(job).toMatchObject({ status: "deadletter", retry_count: 2, last_error: "boom 2", payload: { keep: "me" } });

      const dlq = (await api.get("/api/v1/jobs/dlq?queue_name=flaky")).body;
      expect(dlq.map((d: any) => d.id)).toEqual([id]);
      const history = (await api.get(`/api/v1/jobs/${id}/history`)).body;
      expect(history.map((h: any) => [h.event, h.error])).toEqual([["created", null], ["claimed", null], ["failed", "boom 1"], ["claimed", null], ["deadlettered", "boom 2"]]);

      const retried = await api.post("/api/v1/jobs/dlq/retry", { job_ids: [id] });
      expect(retried.body).toEqual({ retried_count: 1, retried_jobs: [id] });
      expect((await api.get(`/api/v1/jobs/${id}`)).body).toMatchObject({ status: "pending", retry_count: 0, last_error: null });
    });

    test("max_retries 0 dead-letters on the first failure; purge needs confirm", async () => {
      const id = await create({ queue_name: "once", max_retries: 0 });
      const [j] = await claim("once");
      await api.post(`/api/v1/jobs/${j.id}/fail`, { worker_id: "w1", error: "nope" });
      expect((await api.get(`/api/v1/jobs/${id}`)).body.status).toBe("deadletter");
      const refused = await api.post("/api/v1/jobs/dlq/purge", { confirm: false, queue_name: "once" });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toBe("Must set 'confirm: true' to purge dead-letter queue");
      expect((await api.post("/api/v1/jobs/dlq/purge", { queue_name: "once" })).status).toBe(400);
      expect((await api.post("/api/v1/jobs/dlq/purge", { confirm: true, queue_name: "once" })).body).toEqual({ purged_count: 1 });
      expect((await api.get(`/api/v1/jobs/${id}`)).status).toBe(404);
    });

    test("lease fencing: a stale lease id gets 409, another worker gets 404, heartbeat extends the lease", async () => {
      const id = await create({ queue_name: "fence" });
      const [j] = await claim("fence", "owner", 1, 30);
      const stale = await api.post(`/api/v1/jobs/${id}/complete`, { worker_id: "owner", lease_id: "not-the-lease" });
      expect(stale.status).toBe(409);
      expect(stale.body.code).toBe("LEASE_EXPIRED");
      const thief = await api.post(`/api/v1/jobs/${id}/complete`, { worker_id: "thief" });
      expect(thief.status).toBe(404);
      expect(thief.body.message).toBe("Job not found or not owned by worker");
      const hb = await api.post(`/api/v1/jobs/${id}/heartbeat`, { worker_id: "owner", lease_duration_secs: 600, lease_id: j.lease_id });
      expect(hb.status).toBe(200);
      const job = (await api.get(`/api/v1/jobs/${id}`)).body;
      expect(Date.parse(job.lease_expires_at) - Date.now()).toBeGreaterThan(500_000);
      expect((await api.post(`/api/v1/jobs/${id}/heartbeat`, { worker_id: "owner" })).status).toBe(400);
      expect((await api.post(`/api/v1/jobs/${id}/complete`, { worker_id: "owner" })).status).toBe(200);
    });

    test("a job whose worker vanishes comes back after its lease and completes", async () => {
      const id = await create({ queue_name: "vanish" });
      const [first] = await claim("vanish", "ghost", 1, 5);
      expect(first.id).toBe(id);
      const again = await eventually(() => claim("vanish", "rescuer", 1, 30), (jobs) => jobs.length > 0, 30_000, 250);
      expect(again.map((j) => j.id)).toEqual([id]);
      expect((await api.post(`/api/v1/jobs/${id}/complete`, { worker_id: "ghost", lease_id: first.lease_id })).status).toBe(404);
      expect((await api.post(`/api/v1/jobs/${id}/complete`, { worker_id: "rescuer", lease_id: again[0].lease_id })).status).toBe(200);
      const job = (await api.get(`/api/v1/jobs/${id}`)).body;
      expect(job).toMatchObject({ status: "completed", retry_count: 1 });
      const events = (await api.get(`/api/v1/jobs/${id}/history`)).body.map((h: any) => h.event);
      expect(events).toEqual(["created", "claimed", "lease_expired", "claimed", "completed"]);
    });

    test("a paused queue hands out nothing until resumed", async () => {
      const id = await create({ queue_name: "paused-q" });
      const paused = await api.post("/api/v1/queues/paused-q/pause", undefined);
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({ queue_name: "paused-q", paused: true, reason: null });
      expect(await claim("paused-q")).toEqual([]);
      expect((await api.get("/api/v1/queues/paused-q")).body).toMatchObject({ enabled: false, settings: { paused: true } });
      const resumed = await api.post("/api/v1/queues/paused-q/resume");
      expect(resumed.body).toMatchObject({ queue_name: "paused-q", resumed: true });
      expect((await claim("paused-q")).map((j) => j.id)).toEqual([id]);
    });

    test("scheduled jobs wait for their time; expired jobs are never claimed", async () => {
      // An hour ahead: "not yet" holds however slow the machine is.
      const distant = await create({ queue_name: "timed", scheduled_at: new Date(Date.now() + 3_600_000).toISOString() });
      const soon = await create({ queue_name: "timed", scheduled_at: new Date(Date.now() + 1500).toISOString() });
      await create({ queue_name: "timed", expires_at: new Date(Date.now() - 1000).toISOString() });
      expect((await api.get(`/api/v1/jobs/${distant}`)).body.status).toBe("scheduled");
      // Claim until something comes out: only the due job ever does, and never before its time on the server's clock.
      const claimed = await eventually(() => claim("timed", "w", 5), (jobs) => jobs.length > 0);
      expect(claimed.map((j) => j.id)).toEqual([soon]);
      const job = (await api.get(`/api/v1/jobs/${soon}`)).body;
      expect(Date.parse(job.started_at)).toBeGreaterThanOrEqual(Date.parse(job.scheduled_at));
      expect(await claim("timed", "w", 5)).toEqual([]);
      expect((await api.get(`/api/v1/jobs/${distant}`)).body.status).toBe("scheduled");
    });

    test("cancel, retry, priority, batch status and stats follow the contract", async () => {
      const id = await create({ queue_name: "misc" });
      const pr = await api.put(`/api/v1/jobs/${id}/priority`, { priority: 42 });
      expect(pr.body).toEqual({ job_id: id, old_priority: 0, new_priority: 42 });
      expect((await api.put(`/api/v1/jobs/${id}/priority`, { priority: 101 })).status).toBe(400);
      expect((await api.post(`/api/v1/jobs/${id}/retry`)).status).toBe(409);
      expect((await api.delete(`/api/v1/jobs/${id}`)).status).toBe(204);
      expect((await api.delete(`/api/v1/jobs/${id}`)).status).toBe(409);
      expect((await api.put(`/api/v1/jobs/${id}/priority`, { priority: 1 })).status).toBe(404);
      const batch = (await api.get(`/api/v1/jobs/status?ids=${id},nope`)).body;
      expect(batch).toHaveLength(1);
      expect(batch[0]).toMatchObject({ id, status: "cancelled", queue_name: "misc" });
      expect((await api.get(`/api/v1/jobs/status?ids=${Array.from({ length: 101 }, (_, i) => i).join(",")}`)).status).toBe(400);
      expect((await api.get("/api/v1/jobs/status")).status).toBe(400);
      const stats = (await api.get("/api/v1/jobs/stats?queue_name=misc")).body;
      expect(stats).toEqual({ pending: 0, scheduled: 0, processing: 0, completed: 0, failed: 0, deadletter: 0, cancelled: 1, total: 1 });
    });

    test("bulk create validates all-or-nothing and maps duplicate keys to one job", async () => {
      const bad = await api.post("/api/v1/jobs/bulk", { queue_name: "bulk", jobs: [{ payload: 1 }, { payload: 2, priority: 500 }] });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body.details)).toContain("jobs.1.priority");
      expect((await api.get("/api/v1/jobs/stats?queue_name=bulk")).body.total).toBe(0);
      await api.post("/api/v1/jobs", { queue_name: "bulk", payload: 0, idempotency_key: "pre" });
      const r = await api.post("/api/v1/jobs/bulk", {
        queue_name: "bulk",
        jobs: [{ payload: 1, idempotency_key: "pre" }, { payload: 2, idempotency_key: "dup" }, { payload: 3, idempotency_key: "dup" }, { payload: 4 }],
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ total: 4, success_count: 4, failure_count: 0, failed: [] });
      expect(r.body.succeeded.map((x: any) => x.created)).toEqual([false, true, false, true]);
      expect(r.body.succeeded[1].job_id).toBe(r.body.succeeded[2].job_id);
      expect((await api.get("/api/v1/jobs/stats?queue_name=bulk")).body.total).toBe(3);
    });

    test("queues: list, get, config merge, stats and delete", async () => {
      await create({ queue_name: "qa" });
      const list = (await api.get("/api/v1/queues")).body;
      expect(list.find((q: any) => q.queue_name === "qa")).toMatchObject({ max_retries: 3, default_timeout: 300, enabled: true });
      const got = (await api.get("/api/v1/queues/qa")).body;
      expect(got.id).toBeString();
      const cfg = await api.put("/api/v1/queues/qa/config", { queue_name: "qa", max_retries: 7 });
      expect(cfg.body).toMatchObject({ queue_name: "qa", max_retries: 7, default_timeout: 300, id: got.id });
      const j = await create({ queue_name: "qa" });
      expect((await api.get(`/api/v1/jobs/${j}`)).body.max_retries).toBe(7);
      const stats = (await api.get("/api/v1/queues/qa/stats")).body;
      expect(stats).toMatchObject({ queue_name: "qa", pending_jobs: 2, processing_jobs: 0 });
      expect((await api.get("/api/v1/queues/no-such-queue")).status).toBe(404);
      expect((await api.get("/api/v1/queues/.bad")).status).toBe(400);
      expect((await api.delete("/api/v1/queues/qa")).status).toBe(409);
      expect((await api.delete("/api/v1/queues/qa?delete_jobs=true")).status).toBe(204);
      expect((await api.get("/api/v1/queues/qa")).status).toBe(404);
    });

    test("validation names the field; unknown and non-UUID ids are 404; body-less JSON POST is fine", async () => {
      const empty = await api.post("/api/v1/jobs", { queue_name: "", payload: {} });
      expect(empty.status).toBe(400);
      expect(empty.body).toMatchObject({ code: "VALIDATION_ERROR", error: "Validation failed" });
      expect(empty.body.details[0]).toMatchObject({ field: "queue_name", message: "Queue name must be 1-100 characters" });
      const dots = await api.post("/api/v1/jobs", { queue_name: ".x", payload: {} });
      expect(dots.body.details[0].message).toBe("Queue name cannot start with dots or dashes");
      const noPayload = await api.post("/api/v1/jobs", { queue_name: "x" });
      expect(noPayload.body.details[0].field).toBe("payload");
      const big = await api.post("/api/v1/jobs", { queue_name: "x", payload: "y".repeat(1_048_577) });
      expect(big.status).toBe(400);
      expect((await api.get("/api/v1/jobs/non-existent-job-id")).status).toBe(404);
      expect((await api.get(`/api/v1/jobs/${crypto.randomUUID()}`)).status).toBe(404);
      expect((await api.post("/api/v1/jobs/non-existent-job-id/retry")).status).toBe(404);
      const invalid = await api.post("/api/v1/jobs", "{not json");
      expect(invalid.status).toBe(400);
      expect(invalid.body.details[0].field).toBe("body");
    });

    test("authentication: missing, malformed and unknown keys are 401 with JSON bodies", async () => {
      expect((await s.client().get("/api/v1/jobs")).status).toBe(401);
      expect((await s.client().get("/api/v1/jobs", { authorization: "Basic abc" })).status).toBe(401);
      const unknown = await s.client("sk_test_" + "x".repeat(43)).get("/api/v1/jobs");
      expect(unknown.status).toBe(401);
      expect(unknown.body.code).toBe("UNAUTHORIZED");
      expect((await s.client().get(`/api/v1/jobs?api_key=${api.key}`)).status).toBe(401);
    });

    test("organizations of one deployment never see each other's jobs", async () => {
      const other = (await s.newOrg()).client;
      const id = await create({ queue_name: "private" });
      expect((await other.get(`/api/v1/jobs/${id}`)).status).toBe(404);
      expect((await other.get("/api/v1/jobs?queue_name=private")).body).toEqual([]);
      expect((await other.post("/api/v1/jobs/claim", { queue_name: "private", worker_id: "x" })).body.jobs).toEqual([]);
    });
  });
}
