import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { createHmac } from "node:crypto";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";

const GITHUB_SECRET = "gh-server-secret";
const STRIPE_SECRET = "whsec_stripe_server";

const raw = (url: string, body: string, headers: Record<string, string>) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body }).then(async (r) => ({ status: r.status, body: await r.json().catch(() => null) }));

for (const kind of await databaseKinds()) {
  describe(`incoming webhook ingestion (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    let orgId: string;
    let base: string;
    beforeAll(async () => {
      s = await startTestServer(kind, { GITHUB_WEBHOOK_SECRET: GITHUB_SECRET, STRIPE_WEBHOOK_SECRET: STRIPE_SECRET });
      ({ client: api, orgId } = await s.newOrg());
      base = `${s.url}/api/v1/webhooks/${orgId}`;
    });
    afterAll(() => s.stop());
    const jobsIn = async (queue: string) => (await api.get(`/api/v1/jobs?queue_name=${queue}`)).body as any[];
    const setSettings = (settings: Record<string, unknown>) =>
      s.db.query("UPDATE organizations SET settings = settings || $2::text::jsonb WHERE id = $1", [orgId, JSON.stringify(settings)]);

    test("custom: creates a pending job, idempotent on idempotency_key, validated with the field named", async () => {
      const body = { queue_name: "inbound", event_type: "order.paid", payload: { order: 7 }, idempotency_key: "ev-1", priority: 4 };
      const first = await raw(`${base}/custom`, JSON.stringify(body), {});
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ queue_name: "inbound", status: "pending" });
      const again = await raw(`${base}/custom`, JSON.stringify(body), {});
      expect(again.body.job_id).toBe(first.body.job_id);
      const [job] = await jobsIn("inbound");
      expect(job).toMatchObject({ id: first.body.job_id, priority: 4 });
      expect((await api.get(`/api/v1/jobs/${job.id}`)).body.payload).toEqual({ order: 7 });

      for (const [b, field] of [[{ payload: {} }, "queue_name"], [{ queue_name: "admin", payload: {} }, "queue_name"], [{ queue_name: "a..b", payload: {} }, "queue_name"], [{ queue_name: "ok" }, "payload"]] as const) {
        const r = await raw(`${base}/custom`, JSON.stringify(b), {});
        expect(r.status).toBe(400);
        expect(r.body.details[0].field).toBe(field);
      }
      expect((await raw(`${s.url}/api/v1/webhooks/no-such-org/custom`, JSON.stringify(body), {})).status).toBe(404);
    });

    test("with an org webhook token: a missing or wrong X-Webhook-Token is 401 and stores nothing", async () => {
      await setSettings({ webhook_token: "tok-123" });
      const body = JSON.stringify({ queue_name: "guarded", payload: { a: 1 } });
      expect((await raw(`${base}/custom`, body, {})).status).toBe(401);
      expect((await raw(`${base}/custom`, body, { "x-webhook-token": "tok-124" })).status).toBe(401);
      expect(await jobsIn("guarded")).toEqual([]);
      expect((await raw(`${base}/custom`, body, { "x-webhook-token": "tok-123" })).status).toBe(200);
      expect(await jobsIn("guarded")).toHaveLength(1);
      // The token guards the signed sources too.
      const gh = '{"action":"opened"}';
      const sig = `sha256=${createHmac("sha256", GITHUB_SECRET).update(gh).digest("hex")}`;
      expect((await raw(`${base}/github`, gh, { "x-github-event": "issues", "x-hub-signature-256": sig })).status).toBe(401);
      await setSettings({ webhook_token: null });
    });

    test("GitHub: a valid signature becomes a job in github-<event>; a bad or missing one is 401 and stores nothing", async () => {
      const body = '{"action":"opened","number":12}';
      const sig = `sha256=${createHmac("sha256", GITHUB_SECRET).update(body).digest("hex")}`;
      expect((await raw(`${base}/github`, body, { "x-github-event": "pull_request" })).status).toBe(401);
      expect((await raw(`${base}/github`, body, { "x-github-event": "pull_request", "x-hub-signature-256": sig.replace(/.$/, "0") })).status).toBe(401);
      expect((await raw(`${base}/github`, body + " ", { "x-github-event": "pull_request", "x-hub-signature-256": sig })).status).toBe(401);
      expect(await jobsIn("github-pull_request")).toEqual([]);
      const ok = await raw(`${base}/github`, body, { "x-github-event": "pull_request", "x-hub-signature-256": sig, "x-github-delivery": "d-1" });
      expect(ok.status).toBe(200);
      expect(ok.body.queue_name).toBe("github-pull_request");
      const dup = await raw(`${base}/github`, body, { "x-github-event": "pull_request", "x-hub-signature-256": sig, "x-github-delivery": "d-1" });
      expect(dup.body.job_id).toBe(ok.body.job_id);
      const jobs = await jobsIn("github-pull_request");
      expect(jobs).toHaveLength(1);
      expect((await api.get(`/api/v1/jobs/${jobs[0].id}`)).body.payload).toEqual({ action: "opened", number: 12 });
      const weird = await raw(`${base}/github`, body, { "x-github-event": "check run/v2", "x-hub-signature-256": sig });
      expect(weird.body.queue_name).toBe("github-check-run-v2");
    });

    test("GitHub: a per-org secret in settings wins over the server-wide one", async () => {
      await setSettings({ github_webhook_secret: "org-own" });
      const body = '{"ref":"main"}';
      const serverSig = `sha256=${createHmac("sha256", GITHUB_SECRET).update(body).digest("hex")}`;
      const orgSig = `sha256=${createHmac("sha256", "org-own").update(body).digest("hex")}`;
      expect((await raw(`${base}/github`, body, { "x-github-event": "push", "x-hub-signature-256": serverSig })).status).toBe(401);
      expect((await raw(`${base}/github`, body, { "x-github-event": "push", "x-hub-signature-256": orgSig })).status).toBe(200);
      await setSettings({ github_webhook_secret: null });
    });

    test("Stripe: signed and recent becomes a job (payload data.object, idempotent on the event id); stale or bad is 401", async () => {
      const event = { id: "evt_123", type: "invoice.payment_succeeded", data: { object: { id: "in_1", amount: 500 } } };
      const body = JSON.stringify(event);
      const sign = (t: number) => `t=${t},v1=${createHmac("sha256", STRIPE_SECRET).update(`${t}.${body}`).digest("hex")}`;
      const now = Math.floor(Date.now() / 1000);
      expect((await raw(`${base}/stripe`, body, { "stripe-signature": sign(now - 400) })).status).toBe(401);
      expect((await raw(`${base}/stripe`, body, { "stripe-signature": `t=${now},v1=${"0".repeat(64)}` })).status).toBe(401);
      expect((await raw(`${base}/stripe`, body, {})).status).toBe(401);
      expect(await jobsIn("stripe-invoice-payment_succeeded")).toEqual([]);
      const ok = await raw(`${base}/stripe`, body, { "stripe-signature": sign(now) });
      expect(ok.status).toBe(200);
      expect(ok.body.queue_name).toBe("stripe-invoice-payment_succeeded");
      const again = await raw(`${base}/stripe`, body, { "stripe-signature": sign(now) });
      expect(again.body.job_id).toBe(ok.body.job_id);
      const job = (await api.get(`/api/v1/jobs/${ok.body.job_id}`)).body;
      expect(job).toMatchObject({ payload: { id: "in_1", amount: 500 }, idempotency_key: "evt_123" });
    });
  });
}

describe("ingestion in production mode, and without configured secrets (pglite)", () => {
  let s: TestServer;
  let orgId: string;
  beforeAll(async () => {
    s = await startTestServer("pglite", { SPINDLE_ENV: "production" });
    ({ orgId } = await s.newOrg());
  });
  afterAll(() => s.stop());

  test("production wants X-Forwarded-Proto https, and a webhook token before custom ingestion is open", async () => {
    const url = `${s.url}/api/v1/webhooks/${orgId}/custom`;
    const body = JSON.stringify({ queue_name: "q", payload: {} });
    const plain = await raw(url, body, {});
    expect(plain.status).toBe(400);
    expect(plain.body.message).toBe("HTTPS is required for webhooks in production");
    expect((await raw(url, body, { "x-forwarded-proto": "https" })).status).toBe(401);
    await s.db.query("UPDATE organizations SET settings = settings || '{\"webhook_token\":\"t\"}'::jsonb WHERE id = $1", [orgId]);
    expect((await raw(url, body, { "x-forwarded-proto": "https", "x-webhook-token": "t" })).status).toBe(200);
  });

  test("GitHub and Stripe without any secret configured answer 404 saying what to configure (not an outage)", async () => {
    const headers = { "x-forwarded-proto": "https", "x-webhook-token": "t", "x-github-event": "push", "x-hub-signature-256": "sha256=00" };
    const github = await raw(`${s.url}/api/v1/webhooks/${orgId}/github`, "{}", headers);
    expect(github.status).toBe(404);
    expect(github.body.message).toContain("GITHUB_WEBHOOK_SECRET");
    const stripe = await raw(`${s.url}/api/v1/webhooks/${orgId}/stripe`, "{}", { ...headers, "stripe-signature": "t=1,v1=00" });
    expect(stripe.status).toBe(404);
    expect(stripe.body.message).toContain("stripe_webhook_secret");
  });
});
