import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { deadPort, eventually, receiverPool, verifySpooledSignature } from "../helpers/receivers";

// The breaker is studied in delivery-jobs.test.ts; here it must not postpone the retries being counted.
const ENV = { SPINDLE_WEBHOOK_RETRY_BASE_SECS: "0.02", SPINDLE_BREAKER_FAILURES: "1000" };

for (const kind of await databaseKinds()) {
  describe(`outgoing webhooks (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    const pool = receiverPool();
    const receiver = pool.start;
    beforeAll(async () => {
      s = await startTestServer(kind, ENV);
      api = (await s.newOrg()).client;
    });
    afterAll(async () => {
      await s.stop();
      pool.stopAll();
    });

    const createHook = async (body: Record<string, unknown>) => {
      const r = await api.post("/api/v1/outgoing-webhooks", { name: "hook", events: ["job.created"], ...body });
      expect(r.status).toBe(201);
      return r.body;
    };
    const deliveries = async (id: string) => (await api.get(`/api/v1/outgoing-webhooks/${id}/deliveries`)).body as any[];

    test("CRUD: the secret is never returned; PUT treats secret as absent/null/string; unknown ids are 404", async () => {
      const hook = await createHook({ name: "orders", url: "http://127.0.0.1:9/x", events: ["job.completed", "queue.paused"], secret: "s1" });
      expect(hook).toMatchObject({ name: "orders", events: ["job.completed", "queue.paused"], enabled: true, failure_count: 0, last_status: null, last_triggered_at: null });
      expect(hook).not.toHaveProperty("secret");
      expect((await api.get(`/api/v1/outgoing-webhooks/${hook.id}`)).body).toEqual(hook);
      expect((await api.get("/api/v1/outgoing-webhooks")).body.map((h: any) => h.id)).toContain(hook.id);

      const updated = await api.put(`/api/v1/outgoing-webhooks/${hook.id}`, { name: "renamed", enabled: false });
      expect(updated.body).toMatchObject({ name: "renamed", enabled: false, url: "http://127.0.0.1:9/x" });
      expect(updated.body).not.toHaveProperty("secret");
      expect((await api.put("/api/v1/outgoing-webhooks/non-existent-webhook-id", { name: "x" })).status).toBe(404);
      expect((await api.get("/api/v1/outgoing-webhooks/non-existent-webhook-id")).status).toBe(404);
      expect((await api.delete(`/api/v1/outgoing-webhooks/${hook.id}`)).status).toBe(204);
      expect((await api.delete(`/api/v1/outgoing-webhooks/${hook.id}`)).status).toBe(404);
    });

    test("validation: unknown event names, bad URLs and missing fields are 400", async () => {
      const bad = await api.post("/api/v1/outgoing-webhooks", { name: "x", url: "https://example.com", events: ["job.created", "job.exploded"] });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toStartWith("Invalid event type: 'job.exploded'. Valid types: job.created, job.started");
      for (const body of [
        { name: "x", url: "not a url", events: ["job.created"] },
        { name: "x", url: "ftp://example.com", events: ["job.created"] },
        { name: "", url: "https://example.com", events: ["job.created"] },
        { name: "x", url: "https://example.com", events: [] },
      ]) {
        expect((await api.post("/api/v1/outgoing-webhooks", body)).status).toBe(400);
      }
    });

    test("job events are delivered asynchronously with the contract's headers and a verifiable signature", async () => {
      const rcv = receiver();
      const hook = await createHook({ url: `${rcv.url}/events`, events: ["job.created", "job.started", "job.completed"], secret: "topsecret" });
      const created = await api.post("/api/v1/jobs", { queue_name: "notify", payload: { n: 1 }, priority: 3 });
      const jobId = created.body.id;
      const [claimed] = (await api.post("/api/v1/jobs/claim", { queue_name: "notify", worker_id: "w-1" })).body.jobs;
      await api.post(`/api/v1/jobs/${jobId}/complete`, { worker_id: "w-1", result: { ok: 1 }, lease_id: claimed.lease_id });
      const got = await rcv.waitFor(3);
      const byEvent = Object.fromEntries(got.map((r) => [r.headers["x-spooled-event"], r]));
      const createdBody = JSON.parse(byEvent["job.created"]!.body);
      expect(createdBody).toMatchObject({ event: "job.created", data: { job_id: jobId, queue_name: "notify", priority: 3, status: "pending" } });
      expect(createdBody.created_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
      expect(JSON.parse(byEvent["job.started"]!.body).data).toEqual({ job_id: jobId, queue_name: "notify", worker_id: "w-1" });
      expect(JSON.parse(byEvent["job.completed"]!.body).data).toEqual({ job_id: jobId, queue_name: "notify", status: "completed", result: { ok: 1 } });
      for (const r of got) {
        expect(r.headers).toMatchObject({ "content-type": "application/json", "user-agent": "Spooled-Webhook/1.0", "x-spooled-delivery-attempt": "1" });
        expect(r.headers["x-spooled-delivery"]).toBe(JSON.parse(r.body).id);
        expect(await verifySpooledSignature("topsecret", r.headers, r.body)).toBe(true);
        expect(await verifySpooledSignature("wrong", r.headers, r.body)).toBe(false);
      }
      const rows = await eventually(() => deliveries(hook.id), (d) => d.length === 3 && d.every((x) => x.status === "success"));
      expect(rows[0]).toMatchObject({ webhook_id: hook.id, status: "success", status_code: 200, attempts: 1, error: null });
      expect(rows[0].delivered_at).toBeString();
      expect((await api.get(`/api/v1/outgoing-webhooks/${hook.id}`)).body).toMatchObject({ last_status: "success", failure_count: 0 });
    });

    test("queue pause/resume and the opt-in job.retrying are delivered; unsubscribed events are not", async () => {
      const rcv = receiver();
      await createHook({ url: `${rcv.url}/q`, events: ["queue.paused", "queue.resumed", "job.retrying"] });
      await api.post("/api/v1/queues/billing/pause", { reason: "maintenance" });
      await api.post("/api/v1/queues/billing/resume", {});
      const id = (await api.post("/api/v1/jobs", { queue_name: "retrying", payload: {}, max_retries: 2 })).body.id;
      const [c] = (await api.post("/api/v1/jobs/claim", { queue_name: "retrying", worker_id: "w" })).body.jobs;
      await api.post(`/api/v1/jobs/${id}/fail`, { worker_id: "w", error: "flaky", lease_id: c.lease_id });
      const got = await rcv.waitFor(3);
      const bodies = got.map((r) => JSON.parse(r.body));
      const paused = bodies.find((b) => b.event === "queue.paused");
      expect(paused.data).toMatchObject({ event: "queue.paused", queue: { name: "billing", paused: true, reason: "maintenance" } });
      expect(paused.data.organizationId).toBeString();
      expect(bodies.find((b) => b.event === "queue.resumed").data.queue).toEqual({ name: "billing", resumed: true });
      expect(bodies.find((b) => b.event === "job.retrying").data).toMatchObject({ job_id: id, status: "pending", error: "flaky" });
      expect(bodies.map((b) => b.event).sort()).toEqual(["job.retrying", "queue.paused", "queue.resumed"]);
    });

    test("a failing receiver gets retried with every attempt recorded; success resets the failure count", async () => {
      const rcv = receiver((r) => (r.n <= 2 ? new Response("nope", { status: 500 }) : new Response("fine")));
      const hook = await createHook({ url: `${rcv.url}/retry`, events: ["job.created"] });
      await api.post("/api/v1/jobs", { queue_name: "r", payload: {} });
      const got = await rcv.waitFor(3);
      expect(got.map((r) => r.headers["x-spooled-delivery-attempt"])).toEqual(["1", "2", "3"]);
      expect(new Set(got.map((r) => r.headers["x-spooled-delivery"])).size).toBe(1);
      const [d] = await eventually(() => deliveries(hook.id), (d) => d[0]?.status === "success");
      expect(d).toMatchObject({ attempts: 3, status_code: 200, status: "success" });
      const attempts = (await api.get(`/api/v1/outgoing-webhooks/${hook.id}/deliveries/${d.id}/attempts`)).body;
      expect(attempts.map((a: any) => [a.attempt, a.outcome, a.response.status])).toEqual([[1, "failure", 500], [2, "failure", 500], [3, "success", 200]]);
    });

    test("5 failed attempts fail the delivery; retry re-sends it; 20 failed deliveries in a row auto-disable the webhook", async () => {
      const rcv = receiver(() => new Response("down", { status: 503 }));
      const hook = await createHook({ url: `${rcv.url}/down`, events: ["job.created"] });
      await api.post("/api/v1/jobs", { queue_name: "fail", payload: {} });
      const [d] = await eventually(() => deliveries(hook.id), (d) => d[0]?.status === "failed");
      expect(d).toMatchObject({ attempts: 5, status_code: 503, error: "HTTP 503", response_body: "down" });
      expect((await api.get(`/api/v1/outgoing-webhooks/${hook.id}`)).body).toMatchObject({ failure_count: 1, last_status: "failed", enabled: true });

      const retried = await api.post(`/api/v1/outgoing-webhooks/${hook.id}/retry/${d.id}`);
      expect(retried.body).toMatchObject({ success: true, delivery: { id: d.id, status: "pending" } });
      await eventually(() => deliveries(hook.id), (x) => x[0]?.status === "failed");
      expect(rcv.received).toHaveLength(10);
      expect((await api.post(`/api/v1/outgoing-webhooks/${hook.id}/retry/not-a-delivery`)).status).toBe(404);
      expect((await api.post(`/api/v1/outgoing-webhooks/not-a-hook/deliveries/${d.id}/retry`)).status).toBe(404);

      await api.post("/api/v1/jobs/bulk", { queue_name: "fail", jobs: Array.from({ length: 18 }, () => ({ payload: {} })) });
      const disabled = await eventually(async () => (await api.get(`/api/v1/outgoing-webhooks/${hook.id}`)).body, (h) => h.enabled === false);
      expect(disabled).toMatchObject({ failure_count: 20, last_status: "auto_disabled" });
      // Disabled webhooks get no new deliveries; re-enabling starts a fresh streak.
      const before = (await deliveries(hook.id)).length;
      await api.post("/api/v1/jobs", { queue_name: "fail", payload: {} });
      expect((await deliveries(hook.id)).length).toBe(before);
      expect((await api.put(`/api/v1/outgoing-webhooks/${hook.id}`, { enabled: true })).body).toMatchObject({ enabled: true, failure_count: 0 });
    });

    test("test delivery is synchronous with the flat body; failures answer 200 with success false", async () => {
      const rcv = receiver();
      const hook = await createHook({ url: `${rcv.url}/t`, secret: "k" });
      const r = await api.post(`/api/v1/outgoing-webhooks/${hook.id}/test`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ success: true, status_code: 200, error: null });
      expect(r.body.response_time_ms).toBeNumber();
      const [got] = rcv.received;
      expect(JSON.parse(got!.body)).toMatchObject({ event: "webhook.test", webhook_id: hook.id, test: true });
      expect(got!.headers["x-spooled-event"]).toBe("webhook.test");
      expect(await verifySpooledSignature("k", got!.headers, got!.body)).toBe(true);

      const failing = receiver(() => new Response("", { status: 418 }));
      const h2 = await createHook({ url: `${failing.url}/t` });
      expect((await api.post(`/api/v1/outgoing-webhooks/${h2.id}/test`)).body).toMatchObject({ success: false, status_code: 418, error: "HTTP 418" });
      const h3 = await createHook({ url: `http://127.0.0.1:${deadPort()}/t` });
      expect((await api.post(`/api/v1/outgoing-webhooks/${h3.id}/test`)).body).toMatchObject({ success: false, status_code: null, error: "Request failed" });
      expect((await api.post("/api/v1/outgoing-webhooks/nope/test")).status).toBe(404);
    });
  });
}

describe("SSRF guard in production mode (pglite)", () => {
  let s: TestServer;
  let api: Client;
  beforeAll(async () => {
    s = await startTestServer("pglite", { SPINDLE_ENV: "production" });
    api = (await s.newOrg()).client;
  });
  afterAll(() => s.stop());

  const refused = [
    ["http://example.com/hook", "HTTP not allowed"],
    ["https://127.0.0.1/hook", "Invalid webhook URL"],
    ["https://[::1]/hook", "Invalid webhook URL"],
    ["https://10.1.2.3/hook", "Invalid webhook URL"],
    ["https://192.168.0.10/hook", "Invalid webhook URL"],
    ["https://169.254.169.254/latest/meta-data", "Invalid webhook URL"],
    ["https://localhost:8443/hook", "Invalid webhook URL"],
    ["https://[::ffff:127.0.0.1]/hook", "Invalid webhook URL"],
    ["https://[::ffff:a9fe:a9fe]/hook", "Invalid webhook URL"],
    ["https://2130706433/hook", "Invalid webhook URL"],
    ["https://[fd00:ec2::254]/hook", "Invalid webhook URL"],
  ] as const;

  for (const [url, message] of refused) {
    test(`outgoing webhook to ${url} is refused with "${message}…"`, async () => {
      const r = await api.post("/api/v1/outgoing-webhooks", { name: "x", url, events: ["job.created"] });
      expect(r.status).toBe(400);
      expect(r.body.message).toContain(message);
    });
  }

  test("a delivery job to a refused target is refused at creation too, and nothing is stored", async () => {
    const job = await api.post("/api/v1/jobs", { queue_name: "spindle.http", payload: { url: "https://127.0.0.1:8443/x" } });
    expect(job.status).toBe(400);
    expect(job.body.message).toContain("Invalid webhook URL");
    const plain = await api.post("/api/v1/jobs", { queue_name: "spindle.http", payload: { url: "http://example.com/x" } });
    expect(plain.body.message).toContain("HTTP not allowed");
    expect((await api.get("/api/v1/jobs?queue_name=spindle.http")).body).toEqual([]);
  });

  test("names are vetted after DNS, at creation and again at delivery: a name that resolves to loopback is refused", async () => {
    // A stand-in DNS (the guard's own resolver seam): rebind.test first answers a public address, later loopback.
    let answers = 0;
    s.delivery!.resolve = async (host) => {
      if (host === "loopback.test") return ["127.0.0.1"];
      if (host === "mixed.test") return ["93.184.216.34", "::ffff:10.0.0.1"];
      if (host === "rebind.test") return ++answers === 1 ? ["93.184.216.34"] : ["127.0.0.1"];
      throw new Error("ENOTFOUND " + host);
    };
    for (const host of ["loopback.test", "mixed.test"]) {
      const r = await api.post("/api/v1/outgoing-webhooks", { name: "x", url: `https://${host}/hook`, events: ["job.created"] });
      expect(r.status).toBe(400);
      expect(r.body.message).toContain("Invalid webhook URL");
    }
    // Created while the name looked public; by delivery time it points at loopback: the attempt is refused.
    const hook = await api.post("/api/v1/outgoing-webhooks", { name: "rebind", url: "https://rebind.test/hook", events: ["job.created"] });
    expect(hook.status).toBe(201);
    await api.post("/api/v1/jobs", { queue_name: "plain", payload: {} });
    const [d] = await eventually(async () => (await api.get(`/api/v1/outgoing-webhooks/${hook.body.id}/deliveries`)).body, (x: any[]) => x[0]?.status === "failed");
    expect(d.attempts).toBe(1);
    expect(d.error).toContain("resolves to a private, loopback");
    const [a] = (await api.get(`/api/v1/outgoing-webhooks/${hook.body.id}/deliveries/${d.id}/attempts`)).body;
    expect(a).toMatchObject({ error_class: "blocked", response: null });

    const job = await api.post("/api/v1/jobs", { queue_name: "spindle.http", payload: { url: "https://loopback.test/x" } });
    expect(job.status).toBe(201);
    const done = await eventually(async () => (await api.get(`/api/v1/jobs/${job.body.id}`)).body, (j: any) => j.status === "deadletter");
    expect(done.last_error).toContain("blocked");
    expect((await api.get(`/api/v1/jobs/${job.body.id}/attempts`)).body).toHaveLength(1);
  });
});

describe("the plan's webhook cap, when enforced (pglite)", () => {
  let s: TestServer;
  let api: Client;
  beforeAll(async () => {
    s = await startTestServer("pglite", { SPINDLE_QUOTAS: "on", SPINDLE_ENFORCE_LIMITS: "webhooks" });
    api = (await s.newOrg()).client;
  });
  afterAll(() => s.stop());

  test("the free plan's one enabled webhook: a second is 429, a disabled one is fine until it is enabled", async () => {
    const hook = { name: "h", url: "http://127.0.0.1:9/x", events: ["job.created"] };
    expect((await api.post("/api/v1/outgoing-webhooks", hook)).status).toBe(201);
    const second = await api.post("/api/v1/outgoing-webhooks", hook);
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ code: "QUOTA_EXCEEDED", resource: "webhooks", limit: 1 });
    const off = await api.post("/api/v1/outgoing-webhooks", { ...hook, enabled: false });
    expect(off.status).toBe(201);
    expect((await api.put(`/api/v1/outgoing-webhooks/${off.body.id}`, { enabled: true })).status).toBe(429);
    expect((await api.put(`/api/v1/outgoing-webhooks/${off.body.id}`, { name: "renamed" })).status).toBe(200);
  });
});
