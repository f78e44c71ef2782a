import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { deadPort, eventually, receiverPool, verifyStandardWebhook } from "../helpers/receivers";

const FAST_RETRIES = { SPINDLE_BACKOFF_BASE_SECS: "0.05", SPINDLE_BACKOFF_CAP_SECS: "0.2" };

for (const kind of await databaseKinds()) {
  describe(`HTTP delivery jobs (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    const pool = receiverPool();
    const receiver = pool.start;
    beforeAll(async () => {
      s = await startTestServer(kind, FAST_RETRIES);
      api = (await s.newOrg()).client;
    });
    afterAll(async () => {
      await s.stop();
      pool.stopAll();
    });

    const enqueue = async (payload: unknown, extra: Record<string, unknown> = {}, queue = "spindle.http.orders") => {
      const r = await api.post("/api/v1/jobs", { queue_name: queue, payload, ...extra });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    const job = async (id: string) => (await api.get(`/api/v1/jobs/${id}`)).body;
    const settled = (id: string) => eventually(() => job(id), (j) => ["completed", "deadletter"].includes(j.status));
    const attempts = async (id: string) => (await api.get(`/api/v1/jobs/${id}/attempts`)).body as any[];

    test("a delivery is signed (Standard Webhooks), completes on 2xx, and its one attempt is recorded", async () => {
      const rcv = receiver(() => new Response("thanks", { headers: { "x-receipt": "r-1" } }));
      const id = await enqueue({ url: `${rcv.url}/hook`, headers: { "x-tenant": "acme", authorization: "Bearer s3cret" }, body: { order: 42 } });
      const [req] = await rcv.waitFor(1);
      expect(req!.method).toBe("POST");
      expect(req!.path).toBe("/hook");
      expect(JSON.parse(req!.body)).toEqual({ order: 42 });
      expect(req!.headers).toMatchObject({ "webhook-id": id, "x-tenant": "acme", "content-type": "application/json" });
      expect(Number(req!.headers["webhook-timestamp"])).toBeGreaterThan(1_700_000_000);

      const secrets = (await api.get("/api/v1/delivery-queues/spindle.http.orders/secrets")).body;
      expect(secrets).toHaveLength(1);
      expect(secrets[0].secret).toStartWith("whsec_");
      expect(await verifyStandardWebhook(secrets[0].secret, req!.headers, req!.body)).toBe(true);
      expect(await verifyStandardWebhook(secrets[0].secret, req!.headers, req!.body + " ")).toBe(false);

      expect((await settled(id)).status).toBe("completed");
      expect((await job(id)).result).toMatchObject({ status_code: 200, attempt: 1 });
      const [a] = await attempts(id);
      expect(a).toMatchObject({ attempt: 1, outcome: "success", error_class: null, response: { status: 200, body_excerpt: "thanks" } });
      expect(a.response.headers["x-receipt"]).toBe("r-1");
      expect(a.request.headers["x-tenant"]).toBe("acme");
      expect(a.request.headers.authorization).toBe("[redacted]");
      expect(a.latency_ms).toBeGreaterThanOrEqual(0);
    });

    test("a burst of deliveries, booked together: each job completed once, with exactly its one attempt recorded", async () => {
      const rcv = receiver(() => new Response("ok"));
      const r = await api.post("/api/v1/jobs/bulk", {
        queue_name: "spindle.http.burst",
        jobs: Array.from({ length: 60 }, (_, k) => ({ payload: { url: `${rcv.url}/burst/${k}`, body: { k } } })),
      });
      expect(r.body.success_count).toBe(60);
      const ids = (r.body.succeeded as any[]).map((x) => x.job_id as string);
      expect(ids).toHaveLength(60);
      for (const id of ids) {
        expect((await settled(id)).status).toBe("completed");
        expect((await job(id)).result).toMatchObject({ status_code: 200, attempt: 1 });
        expect((await attempts(id)).map((a) => [a.attempt, a.outcome])).toEqual([[1, "success"]]);
      }
      expect(rcv.received.filter((q) => q.path.startsWith("/burst/"))).toHaveLength(60);
      expect(new Set(rcv.received.map((q) => q.headers["webhook-id"]))).toEqual(new Set(ids));
    });

    test("500 on the first attempts: retried until 2xx, every attempt recorded, nothing delivered twice after success", async () => {
      const rcv = receiver((r) => (r.path === "/flaky" && r.n <= 2 ? new Response("upstream broke", { status: 500 }) : new Response("ok")));
      const id = await enqueue({ url: `${rcv.url}/flaky`, body: "plain text" }, { max_retries: 5 });
      expect((await settled(id)).status).toBe("completed");
      const rows = await attempts(id);
      expect(rows.map((a) => [a.attempt, a.outcome, a.error_class, a.response?.status])).toEqual([
        [1, "failure", "http", 500],
        [2, "failure", "http", 500],
        [3, "success", null, 200],
      ]);
      expect(rows[0].response.body_excerpt).toBe("upstream broke");
      // Every attempt of one job carries the same webhook-id, so receivers can deduplicate.
      expect(new Set(rcv.received.map((r) => r.headers["webhook-id"]))).toEqual(new Set([id]));
      expect(rcv.received[0]!.body).toBe("plain text");
      // A later job through the same queue has been delivered: the first job was not sent again meanwhile.
      const sentinel = await enqueue({ url: `${rcv.url}/sentinel` });
      await settled(sentinel);
      expect(rcv.received.filter((r) => r.path === "/flaky")).toHaveLength(3);
      expect(rcv.received.filter((r) => r.path === "/flaky" && r.n > 2)).toHaveLength(1);
    });

    test("429 with Retry-After: the next attempt is scheduled no sooner than the receiver asked", async () => {
      const rcv = receiver((r) => (r.n === 1 ? new Response("slow down", { status: 429, headers: { "retry-after": "2" } }) : new Response("ok")));
      const id = await enqueue({ url: `${rcv.url}/limited` }, { max_retries: 3 });
      expect((await settled(id)).status).toBe("completed");
      const history = (await api.get(`/api/v1/jobs/${id}/history`)).body as any[];
      const failed = history.find((h) => h.event === "failed");
      expect(Date.parse(failed.detail.next_attempt_at) - Date.parse(failed.created_at)).toBeGreaterThanOrEqual(2000);
      const rows = await attempts(id);
      expect(rows.map((a) => a.response?.status)).toEqual([429, 200]);
    });

    test("a receiver that never answers times out; out of attempts the job dead-letters with the error kept", async () => {
      const rcv = receiver(() => new Promise<Response>(() => {}));
      const id = await enqueue({ url: `${rcv.url}/hang`, timeout_seconds: 0.3 }, { max_retries: 1 });
      const done = await settled(id);
      expect(done.status).toBe("deadletter");
      expect(done.last_error).toContain("timeout");
      const rows = await attempts(id);
      expect(rows.map((a) => [a.outcome, a.error_class, a.response])).toEqual([
        ["failure", "timeout", null],
        ["failure", "timeout", null],
      ]);
    });

    test("a receiver that is down: connect errors, dead-lettered", async () => {
      const id = await enqueue({ url: `http://127.0.0.1:${deadPort()}/down` }, { max_retries: 1 });
      const done = await settled(id);
      expect(done.status).toBe("deadletter");
      const rows = await attempts(id);
      expect(rows.map((a) => a.error_class)).toEqual(["connect", "connect"]);
    });

    test("dead-lettered after HTTP errors: the last response stays on the job and in the attempts", async () => {
      const rcv = receiver(() => new Response("database on fire", { status: 503 }));
      const id = await enqueue({ url: `${rcv.url}/fire` }, { max_retries: 0 });
      const done = await settled(id);
      expect(done.status).toBe("deadletter");
      expect(done.last_error).toContain("HTTP 503");
      expect(done.last_error).toContain("database on fire");
      expect((await attempts(id))[0].response).toMatchObject({ status: 503, body_excerpt: "database on fire" });
    });

    test("redirects are not followed (so a redirect cannot reach an address the guard would refuse)", async () => {
      const target = receiver();
      const rcv = receiver(() => new Response(null, { status: 302, headers: { location: `${target.url}/internal` } }));
      const id = await enqueue({ url: `${rcv.url}/moved` }, { max_retries: 0 });
      expect((await settled(id)).status).toBe("deadletter");
      expect(target.received).toHaveLength(0);
      const [a] = await attempts(id);
      expect(a).toMatchObject({ error_class: "http", response: { status: 302 } });
      expect(a.error).toContain("redirects are not followed");
    });

    test("secret rotation with overlap: requests carry a signature per live secret; revoking drops one", async () => {
      const queue = "spindle.http.rotating";
      const first = await api.post(`/api/v1/delivery-queues/${queue}/secrets`, {});
      expect(first.status).toBe(201);
      const second = await api.post(`/api/v1/delivery-queues/${queue}/secrets`, { overlap_seconds: 3600 });
      const rcv = receiver();
      await settled(await enqueue({ url: `${rcv.url}/a`, body: { v: 1 } }, {}, queue));
      const [req] = rcv.received;
      expect(req!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
      expect(await verifyStandardWebhook(first.body.secret, req!.headers, req!.body)).toBe(true);
      expect(await verifyStandardWebhook(second.body.secret, req!.headers, req!.body)).toBe(true);

      expect((await api.delete(`/api/v1/delivery-queues/${queue}/secrets/${first.body.id}`)).status).toBe(204);
      await settled(await enqueue({ url: `${rcv.url}/b`, body: { v: 2 } }, {}, queue));
      const after = rcv.received[1]!;
      expect(after.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
      expect(await verifyStandardWebhook(first.body.secret, after.headers, after.body)).toBe(false);
      expect(await verifyStandardWebhook(second.body.secret, after.headers, after.body)).toBe(true);
      const listed = (await api.get(`/api/v1/delivery-queues/${queue}/secrets`)).body;
      expect(listed.map((x: any) => x.active)).toEqual([false, true]);
    });

    test("invalid delivery payloads are refused at creation with the field named, and nothing is stored", async () => {
      const cases = [
        [{ method: "POST" }, "payload.url"],
        [{ url: "ftp://example.com/x" }, "payload.url"],
        [{ url: "https://example.com", method: "TRACE" }, "payload.method"],
        [{ url: "https://example.com", headers: { "webhook-signature": "forged" } }, "payload.headers"],
        [{ url: "https://example.com", method: "GET", body: { a: 1 } }, "payload.body"],
      ] as const;
      for (const [payload, field] of cases) {
        const r = await api.post("/api/v1/jobs", { queue_name: "spindle.http.bad", payload });
        expect(r.status).toBe(400);
        expect(r.body.details[0].field).toBe(field);
      }
      expect((await api.get("/api/v1/jobs?queue_name=spindle.http.bad")).body).toEqual([]);
      expect((await api.get("/api/v1/jobs/not-a-job/attempts")).status).toBe(404);
      expect((await api.post("/api/v1/delivery-queues/orders/secrets", {})).status).toBe(400);
    });
  });
}

describe("per-destination protection (pglite)", () => {
  let s: TestServer;
  let api: Client;
  const pool = receiverPool();
  beforeAll(async () => {
    s = await startTestServer("pglite", {
      ...FAST_RETRIES,
      SPINDLE_DELIVERY_CONCURRENCY: "16",
      SPINDLE_DELIVERY_HOST_CONCURRENCY: "3",
      SPINDLE_BREAKER_FAILURES: "3",
      SPINDLE_BREAKER_COOLDOWN_MS: "400",
    });
    api = (await s.newOrg()).client;
  });
  afterAll(async () => {
    await s.stop();
    pool.stopAll();
  });
  const bulk = async (queue: string, payloads: unknown[], maxRetries = 10) => {
    const r = await api.post("/api/v1/jobs/bulk", { queue_name: queue, default_max_retries: maxRetries, jobs: payloads.map((payload) => ({ payload })) });
    expect(r.body.success_count).toBe(payloads.length);
    return r.body.succeeded.map((x: any) => x.job_id) as string[];
  };
  const statuses = async (ids: string[]) => (await api.get(`/api/v1/jobs/status?ids=${ids.join(",")}`)).body.map((j: any) => j.status) as string[];

  test("a dead endpoint trips its breaker while a healthy one keeps getting every delivery", async () => {
    const dead = pool.start(() => new Promise<Response>(() => {}));
    const healthy = pool.start(async () => {
      await Bun.sleep(5);
      return new Response("ok");
    });
    // The dead endpoint's jobs are queued first, so they are claimed first.
    const deadIds = await bulk("spindle.http.dead", Array.from({ length: 40 }, (_, i) => ({ url: `${dead.url}/d/${i}`, timeout_seconds: 2 })));
    const healthyIds = await bulk("spindle.http.healthy", Array.from({ length: 60 }, (_, i) => ({ url: `${healthy.url}/h/${i}` })));

    await healthy.waitFor(60);
    await eventually(() => statuses(healthyIds), (st) => st.every((x) => x === "completed"));
    // Every healthy delivery went through while the dead host's breaker stopped most of its requests, and none
    // of its jobs has been given up on: they wait behind the breaker without spending attempts.
    expect(dead.received.length).toBeLessThan(deadIds.length);
    expect((await statuses(deadIds)).filter((x) => x === "completed" || x === "deadletter")).toEqual([]);
    const breakers = await eventually(
      async () => (await api.get("/api/v1/delivery-breakers")).body as any[],
      (list) => list.some((b) => b.host === new URL(dead.url).host && b.state !== "closed"),
    );
    const healthyGate = breakers.find((b) => b.host === new URL(healthy.url).host);
    expect(healthyGate.state).toBe("closed");
    expect(healthy.maxInFlight).toBeLessThanOrEqual(3);
    await api.delete("/api/v1/queues/spindle.http.dead?delete_jobs=true");
  });

  test("a recovered endpoint closes its breaker and drains its backlog within the per-host cap, each job once", async () => {
    let up = false;
    const flaky = pool.start(async () => {
      if (!up) return new Response("down", { status: 503 });
      await Bun.sleep(10);
      return new Response("ok");
    });
    const host = new URL(flaky.url).host;
    const ids = await bulk("spindle.http.recovering", Array.from({ length: 30 }, (_, i) => ({ url: `${flaky.url}/r/${i}` })), 50);
    await eventually(
      async () => (await api.get("/api/v1/delivery-breakers")).body as any[],
      (list) => list.some((b) => b.host === host && b.state === "open"),
    );
    up = true;
    await eventually(() => statuses(ids), (st) => st.every((x) => x === "completed"));
    const gate = ((await api.get("/api/v1/delivery-breakers")).body as any[]).find((b) => b.host === host);
    expect(gate.state).toBe("closed");
    expect(flaky.maxInFlight).toBeLessThanOrEqual(3);
    // Each job answered 200 exactly once: its successful attempt is its last.
    for (const id of ids.slice(0, 5)) {
      const rows = (await api.get(`/api/v1/jobs/${id}/attempts`)).body as any[];
      expect(rows.filter((a) => a.outcome === "success")).toHaveLength(1);
      expect(rows.at(-1).outcome).toBe("success");
    }
  });
});
