import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds, freshDatabase } from "../helpers/databases";
import { startTestServer, Client, type TestServer } from "../helpers/server";
import { eventually } from "../helpers/eventually";
import { SseReader } from "../helpers/realtime-clients";
import { loadConfig } from "../../src/config";
import { startServer } from "../../src/server";

/** Creates `n` jobs in a queue and dead-letters each one with the given error (max_retries 0: one failure is final). */
async function deadLetter(api: Client, queue: string, n: number, error: string, extra: Record<string, unknown> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await api.post("/api/v1/jobs", { queue_name: queue, payload: { n: i, keep: "yes" }, max_retries: 0, ...extra });
    expect(r.status).toBe(201);
    ids.push(r.body.id);
  }
  let left = n;
  while (left > 0) {
    const claimed = (await api.post("/api/v1/jobs/claim", { queue_name: queue, worker_id: "w", limit: 100 })).body.jobs as any[];
    expect(claimed.length).toBeGreaterThan(0);
    for (const j of claimed) {
      expect((await api.post(`/api/v1/jobs/${j.id}/fail`, { worker_id: "w", lease_id: j.lease_id, error })).status).toBe(200);
    }
    left -= claimed.length;
  }
  return ids;
}

const statusOf = async (api: Client, id: string) => (await api.get(`/api/v1/jobs/${id}`)).body.status as string;

for (const kind of await databaseKinds()) {
  describe(`redrive and bulk actions by filter (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    let key: string;
    beforeAll(async () => {
      s = await startTestServer(kind);
      ({ client: api, key } = await s.newOrg());
    });
    afterAll(() => s.stop());

    test("a dry run answers how many jobs match and a sample, and changes nothing", async () => {
      const timeouts = await deadLetter(api, "dry", 3, "upstream Timeout after 30s");
      await deadLetter(api, "dry", 2, "bad input");
      const r = await api.post("/api/v1/jobs/redrive", { queue_name: "dry", error_contains: "timeout", sample_size: 2, payload_patch: { keep: null, fixed: true } });
      expect(r.status).toBe(200);
      expect(r.body.dry_run).toBe(true);
      expect(r.body.matched).toBe(3);
      expect(r.body.sample).toHaveLength(2);
      for (const j of r.body.sample) {
        expect(timeouts).toContain(j.id);
        // The sample previews the patched payload.
        expect(j.payload).toEqual({ n: j.payload.n, fixed: true });
      }
      for (const id of timeouts) expect(await statusOf(api, id)).toBe("deadletter");
      expect((await api.get("/api/v1/operations")).body).toEqual([]);
    });

    test("a real redrive by filter moves only the matching jobs, patches their payload and records an operation, an audit entry and events", async () => {
      const events = await SseReader.open(`${s.url}/api/v1/events?api_key=${key}`);
      const matching = await deadLetter(api, "redrive", 4, "HTTP 503 from payments", { tags: ["billing", "eu"] });
      const otherTag = await deadLetter(api, "redrive", 2, "HTTP 503 from payments", { tags: ["billing"] });
      const r = await api.post("/api/v1/jobs/redrive", { queue_name: "redrive", status: "deadletter", tags: ["billing", "eu"], error_contains: "503", dry_run: false, payload_patch: { keep: null, retried_by: "ops" } });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ dry_run: false, matched: 4, redriven: 4, status: "completed" });
      for (const id of matching) {
        const job = (await api.get(`/api/v1/jobs/${id}`)).body;
        expect(job).toMatchObject({ status: "pending", retry_count: 0, last_error: null });
        expect(job.payload).toEqual({ n: job.payload.n, retried_by: "ops" });
        const history = (await api.get(`/api/v1/jobs/${id}/history`)).body;
        expect(history.at(-1)).toMatchObject({ event: "retried", status: "pending" });
      }
      for (const id of otherTag) expect(await statusOf(api, id)).toBe("deadletter");

      const op = (await api.get(`/api/v1/operations/${r.body.operation_id}`)).body;
      expect(op).toMatchObject({ id: r.body.operation_id, kind: "redrive", status: "completed", matched: 4, processed: 4, skipped: 0, progress: 1, payload_patch: { keep: null, retried_by: "ops" } });
      expect(op.filter).toMatchObject({ queue_name: "redrive", statuses: ["deadletter"], tags: ["billing", "eu"], error_contains: "503" });
      expect(op.created_by).toStartWith("api_key:");
      expect(op.finished_at).toBeString();

      const audit = (await api.get("/api/v1/audit-log")).body;
      expect(audit[0]).toMatchObject({ action: "jobs.redrive", target: op.id, actor: op.created_by });
      expect(audit[0].detail.matched).toBe(4);

      const seen = await events.until((m) => m.some((x) => x.event.type === "operation.completed" && x.event.data.operation_id === op.id));
      expect(seen.some((x) => x.event.type === "operation.started" && x.event.data.operation_id === op.id)).toBe(true);
      events.close();
    });

    test("the same filter cancels pending jobs and purges finished ones", async () => {
      const pending: string[] = [];
      for (let i = 0; i < 3; i++) pending.push((await api.post("/api/v1/jobs", { queue_name: "bulk", payload: { i }, tags: ["old"] })).body.id);
      const keep = (await api.post("/api/v1/jobs", { queue_name: "bulk", payload: {}, tags: ["new"] })).body.id;
      const cancel = await api.post("/api/v1/jobs/bulk-cancel", { queue_name: "bulk", tags: ["old"], dry_run: false });
      expect(cancel.body).toMatchObject({ matched: 3, cancelled: 3, status: "completed" });
      for (const id of pending) expect(await statusOf(api, id)).toBe("cancelled");
      expect(await statusOf(api, keep)).toBe("pending");

      const purge = await api.post("/api/v1/jobs/bulk-purge", { queue_name: "bulk", status: ["cancelled"], dry_run: false });
      expect(purge.body).toMatchObject({ matched: 3, purged: 3 });
      for (const id of pending) expect((await api.get(`/api/v1/jobs/${id}`)).status).toBe(404);
      expect(await statusOf(api, keep)).toBe("pending");
    });

    test("bad filters are 400s naming the field, and nothing is recorded", async () => {
      const cases: [string, unknown, string][] = [
        ["/api/v1/jobs/redrive", { status: "pending" }, "status"],
        ["/api/v1/jobs/bulk-cancel", { status: ["completed"] }, "status"],
        ["/api/v1/jobs/redrive", { rate_per_sec: 0 }, "rate_per_sec"],
        ["/api/v1/jobs/redrive", { payload_patch: [1, 2] }, "payload_patch"],
        ["/api/v1/jobs/redrive", { created_after: "yesterday" }, "created_after"],
        ["/api/v1/jobs/redrive", { created_after: "2030-01-02T00:00:00Z", created_before: "2030-01-01T00:00:00Z" }, "created_before"],
        ["/api/v1/jobs/bulk-purge", { tags: "x" }, "tags"],
        ["/api/v1/jobs/redrive", { dry_run: "no" }, "dry_run"],
      ];
      for (const [path, body, field] of cases) {
        const r = await api.post(path, { ...(body as object), ...(path.endsWith("redrive") && !("dry_run" in (body as object)) ? { dry_run: false } : {}) });
        expect(r.status).toBe(400);
        expect(r.body.details.map((d: any) => d.field)).toContain(field);
      }
      expect((await api.get("/api/v1/operations/nope")).status).toBe(404);
      const ops = (await api.get("/api/v1/operations")).body as any[];
      expect(ops.every((o) => o.kind !== "redrive" || o.filter.queue_name === "redrive")).toBe(true);
    });

    test("a queue-scoped key must name its queue and cannot see other queues' operations", async () => {
      const scoped = await api.post("/api/v1/api-keys", { name: "scoped", queues: ["redrive"] });
      expect(scoped.status).toBe(201);
      const narrow = s.client(scoped.body.key);
      expect((await narrow.post("/api/v1/jobs/redrive", { dry_run: false })).status).toBe(403);
      expect((await narrow.post("/api/v1/jobs/bulk-purge", { queue_name: "bulk", dry_run: false })).status).toBe(403);
      const mine = (await narrow.get("/api/v1/operations")).body as any[];
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((o) => o.filter.queue_name === "redrive")).toBe(true);
      expect((await narrow.get("/api/v1/audit-log")).status).toBe(403);
    });

    test("a paced redrive releases jobs over time, shows progress, and can be cancelled", async () => {
      const ids = await deadLetter(api, "paced", 30, "boom");
      const r = await api.post("/api/v1/jobs/redrive", { queue_name: "paced", dry_run: false, rate_per_sec: 8 });
      expect(r.body.matched).toBe(30);
      // The first step releases about a quarter second's worth, not the whole match.
      expect(r.body.redriven).toBeGreaterThanOrEqual(2);
      expect(r.body.redriven).toBeLessThan(30);
      const partway = await eventually(() => api.get(`/api/v1/operations/${r.body.operation_id}`).then((x) => x.body), (o) => o.processed >= 6);
      expect(partway.status).toBe("running");
      expect(partway.progress).toBeGreaterThan(0);
      expect(partway.progress).toBeLessThan(1);
      const cancelled = await api.post(`/api/v1/operations/${r.body.operation_id}/cancel`);
      expect(cancelled.body.status).toBe("cancelled");
      const after = cancelled.body.processed;
      expect(after).toBeLessThan(30);
      const statuses = await Promise.all(ids.map((id) => statusOf(api, id)));
      expect(statuses.filter((x) => x === "pending")).toHaveLength(after);
      expect((await api.post(`/api/v1/operations/${r.body.operation_id}/cancel`)).status).toBe(400);
    });
  });

  describe(`a bulk operation survives a server restart (${kind})`, () => {
    test("the operation state is in the database: a new server continues after the cursor, each job changed once", async () => {
      const { db, dispose } = await freshDatabase(kind);
      const config = loadConfig({ HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_QUIET: "true", SPINDLE_QUOTAS: "off", SPINDLE_LEADER_CHECK_MS: "100" });
      let server = await startServer(config, { db });
      try {
        const org = await new Client(server.url).post("/api/v1/organizations", { name: "Restart", slug: `restart-${Date.now()}` });
        const key = org.body.api_key.key;
        let api = new Client(server.url, key);
        const ids = await deadLetter(api, "restart", 24, "down");
        const r = await api.post("/api/v1/jobs/redrive", { queue_name: "restart", dry_run: false, rate_per_sec: 8 });
        const opId = r.body.operation_id;
        await eventually(() => api.get(`/api/v1/operations/${opId}`).then((x) => x.body), (o) => o.processed >= 4);
        await server.stop();
        const frozen = (await db.query<{ processed: number; status: string }>("SELECT processed::int AS processed, status FROM operations WHERE id = $1", [opId]))[0]!;
        expect(frozen.status).toBe("running");
        expect(frozen.processed).toBeLessThan(24);

        server = await startServer(config, { db });
        api = new Client(server.url, key);
        const done = await eventually(() => api.get(`/api/v1/operations/${opId}`).then((x) => x.body), (o) => o.status === "completed", 30_000);
        expect(done.processed).toBe(24);
        for (const id of ids) {
          const history = (await api.get(`/api/v1/jobs/${id}/history`)).body as any[];
          expect(history.filter((h) => h.event === "retried")).toHaveLength(1);
          expect(await statusOf(api, id)).toBe("pending");
        }
      } finally {
        await server.stop();
        await dispose();
      }
    });
  });
}
