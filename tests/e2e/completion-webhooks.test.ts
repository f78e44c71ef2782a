import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { eventually, receiverPool, verifySpooledSignature } from "../helpers/receivers";

/** Per-job `completion_webhook` callbacks (contract semantics.md §10, last paragraph; docs/webhooks.md). */
const ENV = { SPINDLE_WEBHOOK_RETRY_BASE_SECS: "0.02", SPINDLE_BREAKER_FAILURES: "1000" };

async function claimAndComplete(api: Client, queue: string, result: unknown, workerId = "w-1") {
  const [job] = (await api.post("/api/v1/jobs/claim", { queue_name: queue, worker_id: workerId })).body.jobs;
  const done = await api.post(`/api/v1/jobs/${job.id}/complete`, { worker_id: workerId, result, lease_id: job.lease_id });
  expect(done.status).toBe(200);
  return job.id as string;
}

for (const kind of await databaseKinds()) {
  describe(`completion webhooks (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    const pool = receiverPool();
    beforeAll(async () => {
      s = await startTestServer(kind, ENV);
      api = (await s.newOrg()).client;
    });
    afterAll(async () => {
      await s.stop();
      pool.stopAll();
    });
    const callbacks = async (jobId: string) => (await api.get(`/api/v1/jobs/${jobId}/completion-webhook`)).body as any[];

    test("completion POSTs the contract's envelope once, signed with the job's secret, which is never returned", async () => {
      const rcv = pool.start();
      const secret = `cb-secret-${crypto.randomUUID()}`;
      const created = await api.post("/api/v1/jobs", { queue_name: "cb", payload: { n: 1 }, completion_webhook: `${rcv.url}/done`, completion_webhook_secret: secret });
      expect(created.status).toBe(201);
      const jobId = created.body.id;
      const raw = await fetch(`${s.url}/api/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${api.key}` } }).then((r) => r.text());
      expect(raw).not.toContain(secret);
      expect(JSON.parse(raw).completion_webhook).toBe(`${rcv.url}/done`);

      expect(await claimAndComplete(api, "cb", { ok: true })).toBe(jobId);
      const [req] = await rcv.waitFor(1);
      expect(req!.method).toBe("POST");
      expect(req!.path).toBe("/done");
      const body = JSON.parse(req!.body);
      expect(body).toEqual({ id: body.id, event: "job.completed", created_at: body.created_at, data: { job_id: jobId, queue_name: "cb", status: "completed", result: { ok: true } } });
      expect(Date.parse(body.created_at)).not.toBeNaN();
      expect(req!.headers).toMatchObject({
        "content-type": "application/json",
        "x-spooled-event": "job.completed",
        "x-spooled-delivery": body.id,
        "x-spooled-delivery-attempt": "1",
      });
      expect(await verifySpooledSignature(secret, req!.headers, req!.body)).toBe(true);
      expect(await verifySpooledSignature("another secret", req!.headers, req!.body)).toBe(false);

      const [cb] = await eventually(() => callbacks(jobId), (x) => x[0]?.status === "success");
      expect(cb).toMatchObject({ id: body.id, webhook_id: null, event: "job.completed", status: "success", status_code: 200, attempts: 1 });
      expect(cb.http_attempts).toHaveLength(1);
      expect(JSON.stringify(cb)).not.toContain(secret);
      expect(rcv.received).toHaveLength(1);
    });

    test("without a secret the callback is unsigned; a job without completion_webhook calls nothing", async () => {
      const rcv = pool.start();
      await api.post("/api/v1/jobs", { queue_name: "cb-unsigned", payload: {}, completion_webhook: `${rcv.url}/plain` });
      const jobId = await claimAndComplete(api, "cb-unsigned", null);
      const [req] = await rcv.waitFor(1);
      expect(req!.headers["x-spooled-signature"]).toBeUndefined();
      expect(JSON.parse(req!.body).data).toEqual({ job_id: jobId, queue_name: "cb-unsigned", status: "completed", result: null });

      await api.post("/api/v1/jobs", { queue_name: "cb-none", payload: {} });
      const plainId = await claimAndComplete(api, "cb-none", 1);
      expect(await callbacks(plainId)).toEqual([]);
    });

    test("a failing receiver is retried with the webhook policy until it answers 2xx; every attempt is recorded", async () => {
      const rcv = pool.start((r) => new Response(r.n === 1 ? "down" : "ok", { status: r.n === 1 ? 500 : 200 }));
      await api.post("/api/v1/jobs", { queue_name: "cb-retry", payload: {}, completion_webhook: `${rcv.url}/flaky`, completion_webhook_secret: "s" });
      const jobId = await claimAndComplete(api, "cb-retry", { v: 2 });
      const [first, second] = await rcv.waitFor(2);
      expect([first!.headers["x-spooled-delivery-attempt"], second!.headers["x-spooled-delivery-attempt"]]).toEqual(["1", "2"]);
      expect(second!.headers["x-spooled-delivery"]).toBe(first!.headers["x-spooled-delivery"]);
      expect(second!.body).toBe(first!.body);
      const [cb] = await eventually(() => callbacks(jobId), (x) => x[0]?.status === "success");
      expect(cb).toMatchObject({ status: "success", attempts: 2, status_code: 200 });
      expect(cb.http_attempts.map((a: any) => [a.outcome, a.response?.status])).toEqual([["failure", 500], ["success", 200]]);
      expect(rcv.received).toHaveLength(2);
    });

    test("the complete call does not wait for the callback, and a refused completion announces nothing", async () => {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const rcv = pool.start(async () => {
        await held;
        return new Response("late");
      });
      await api.post("/api/v1/jobs", { queue_name: "cb-slow", payload: {}, completion_webhook: `${rcv.url}/slow` });
      const jobId = await claimAndComplete(api, "cb-slow", 1);
      // The callback is under way (or about to be) while the complete call has already answered.
      await rcv.waitFor(1);
      expect(rcv.inFlight).toBe(1);
      release();
      await eventually(() => callbacks(jobId), (x) => x[0]?.status === "success");

      const other = pool.start();
      await api.post("/api/v1/jobs", { queue_name: "cb-refused", payload: {}, completion_webhook: `${other.url}/x` });
      const [job] = (await api.post("/api/v1/jobs/claim", { queue_name: "cb-refused", worker_id: "w-1" })).body.jobs;
      expect((await api.post(`/api/v1/jobs/${job.id}/complete`, { worker_id: "someone-else", result: 1 })).status).toBe(404);
      const [row] = await s.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outgoing_webhook_deliveries WHERE job_id = $1", [job.id]);
      expect(row!.n).toBe(0);
    });

    test("completion_webhook_secret is validated and the job's routes are 404 for other organizations", async () => {
      const bad = await api.post("/api/v1/jobs", { queue_name: "cb", payload: {}, completion_webhook: "https://example.com/x", completion_webhook_secret: "" });
      expect(bad.status).toBe(400);
      expect(bad.body.details[0].field).toBe("completion_webhook_secret");
      const job = await api.post("/api/v1/jobs", { queue_name: "cb-iso", payload: {}, completion_webhook: "https://example.com/x" });
      const stranger = (await s.newOrg()).client;
      expect((await stranger.get(`/api/v1/jobs/${job.body.id}/completion-webhook`)).status).toBe(404);
      expect((await api.get(`/api/v1/jobs/${crypto.randomUUID()}/completion-webhook`)).status).toBe(404);
    });
  });
}

describe("completion webhooks and the SSRF guard in production mode (pglite)", () => {
  let s: TestServer;
  let api: Client;
  beforeAll(async () => {
    s = await startTestServer("pglite", { SPINDLE_ENV: "production" });
    api = (await s.newOrg()).client;
    let answers = 0;
    s.delivery!.resolve = async (host) => {
      if (host === "loopback.test") return ["127.0.0.1"];
      if (host === "rebind.test") return ++answers === 1 ? ["93.184.216.34"] : ["127.0.0.1"];
      throw new Error("ENOTFOUND " + host);
    };
  });
  afterAll(() => s.stop());

  test("refused at creation with the outgoing webhooks' messages (after DNS too), and nothing is stored", async () => {
    for (const [url, message] of [
      ["http://example.com/done", "HTTP not allowed"],
      ["https://127.0.0.1/done", "Invalid webhook URL"],
      ["https://169.254.169.254/latest", "Invalid webhook URL"],
      ["https://[::ffff:127.0.0.1]/done", "Invalid webhook URL"],
      ["https://loopback.test/done", "Invalid webhook URL"],
    ]) {
      const r = await api.post("/api/v1/jobs", { queue_name: "guarded", payload: {}, completion_webhook: url });
      expect(r.status).toBe(400);
      expect(r.body.message).toContain(message);
    }
    expect((await api.get("/api/v1/jobs?queue_name=guarded")).body).toEqual([]);
  });

  test("vetted again at delivery: a name that rebinds to loopback fails the callback at once", async () => {
    const created = await api.post("/api/v1/jobs", { queue_name: "rebinding", payload: {}, completion_webhook: "https://rebind.test/done" });
    expect(created.status).toBe(201);
    const jobId = await claimAndComplete(api, "rebinding", 1);
    const [cb] = await eventually(async () => (await api.get(`/api/v1/jobs/${jobId}/completion-webhook`)).body, (x: any[]) => x[0]?.status === "failed");
    expect(cb.attempts).toBe(1);
    expect(cb.http_attempts[0]).toMatchObject({ error_class: "blocked", response: null });
  });
});
