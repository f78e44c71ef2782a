// Screenshots of every page of the web UI at 1280x800 (plus dark and phone views) into docs/screenshots/.
// Starts a real server on an embedded database in a temp dir, fills it through the public REST API the way
// producers and workers would, and drives Debian's chromium. Run: bun scripts/screenshots.ts
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { loadConfig } from "../src/config";
import { startServer } from "../src/server";
import { launchBrowser } from "../tests/helpers/browser";
import { Client } from "../tests/helpers/server";

const out = resolve(import.meta.dir, "../docs/screenshots");
mkdirSync(out, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), "spindle-shots-"));

// Two webhook destinations on loopback: one healthy, one that always fails (its breaker opens).
const receiver = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => (new URL(req.url).pathname === "/down" ? new Response("unavailable", { status: 503 }) : new Response("ok")) });
const server = await startServer(loadConfig({ HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_DATA_DIR: dataDir, SPINDLE_QUIET: "true", SPINDLE_QUOTAS: "off", SPINDLE_BREAKER_FAILURES: "2" }));

try {
  const org = await new Client(server.url).post("/api/v1/organizations", { name: "Acme Shipping", slug: "acme-shipping" });
  const key: string = org.body.api_key.key;
  const api = new Client(server.url, key);
  const must = async (r: Promise<{ status: number; body: any }>) => {
    const x = await r;
    if (x.status >= 300) throw new Error(`seed call failed: ${x.status} ${JSON.stringify(x.body)}`);
    return x.body;
  };
  const claim = async (queue: string, worker: string, limit = 1) => (await must(api.post("/api/v1/jobs/claim", { queue_name: queue, worker_id: worker, limit, lease_duration_secs: 600 }))).jobs as any[];

  await must(api.post("/api/v1/outgoing-webhooks", { name: "Billing service", url: `http://127.0.0.1:${receiver.port}/hooks`, events: ["job.completed", "job.failed"] }));
  await must(api.post("/api/v1/outgoing-webhooks", { name: "Legacy CRM", url: `http://localhost:${receiver.port}/down`, events: ["job.completed"] }));

  for (const [id, queue, host] of [["mailer-7f2c", "emails", "web-1"], ["mailer-91ab", "emails", "web-2"], ["billing-03", "billing", "jobs-1"]] as const) {
    await must(api.post("/api/v1/workers/register", { worker_id: id, queue_name: queue, hostname: host, max_concurrency: 8 }));
  }
  await must(api.put("/api/v1/queues/billing/config", { max_retries: 5, default_timeout: 120, rate_limit: 50 }));

  const kinds = { emails: ["welcome_email", "password_reset", "digest"], billing: ["charge_card", "send_invoice"], reports: ["monthly_report"], thumbnails: ["resize"] } as const;
  let n = 0;
  for (const [queue, types] of Object.entries(kinds)) {
    const count = queue === "emails" ? 36 : queue === "billing" ? 18 : 8;
    for (let i = 0; i < count; i++) {
      const type = types[i % types.length]!;
      await must(api.post("/api/v1/jobs", { queue_name: queue, payload: { job_type: type, customer_id: `cus_${(1000 + n++).toString(36)}`, attempt_note: "seeded" }, priority: i % 5 === 0 ? 10 : 0, max_retries: queue === "billing" ? 0 : 3, idempotency_key: `${type}-${n}` }));
    }
  }
  for (const [queue, worker, done] of [["emails", "mailer-7f2c", 24], ["billing", "billing-03", 9], ["thumbnails", "mailer-91ab", 6]] as const) {
    for (const job of await claim(queue, worker, done)) await must(api.post(`/api/v1/jobs/${job.id}/complete`, { worker_id: worker, lease_id: job.lease_id, result: { delivered: true, provider_id: `msg_${job.id.slice(0, 6)}` } }));
  }
  const errors = ["card_declined: insufficient funds (402 from payment provider)", "timeout after 30 s talking to invoices.internal:443", "customer cus_9x not found"];
  for (const [i, job] of (await claim("billing", "billing-03", 4)).entries()) {
    await must(api.post(`/api/v1/jobs/${job.id}/fail`, { worker_id: "billing-03", lease_id: job.lease_id, error: errors[i % errors.length] }));
  }
  await claim("emails", "mailer-91ab", 3); // in flight
  for (const job of await claim("emails", "mailer-7f2c", 2)) await must(api.post(`/api/v1/jobs/${job.id}/fail`, { worker_id: "mailer-7f2c", lease_id: job.lease_id, error: "SMTP 421: try again later" }));
  await must(api.post("/api/v1/queues/reports/pause", { reason: "Month-end freeze" }));
  for (const [id, jobs] of [["mailer-7f2c", 2], ["mailer-91ab", 3], ["billing-03", 0]] as const) await must(api.post(`/api/v1/workers/${id}/heartbeat`, { current_jobs: jobs }));

  await must(api.post("/api/v1/schedules", { name: "Nightly digest", cron_expression: "0 7 * * *", timezone: "Europe/Paris", queue_name: "emails", payload_template: { job_type: "digest" } }));
  const hourly = await must(api.post("/api/v1/schedules", { name: "Invoice sweep", cron_expression: "*/15 * * * *", timezone: "America/New_York", queue_name: "billing", payload_template: { job_type: "send_invoice" } }));
  const monthly = await must(api.post("/api/v1/schedules", { name: "Month-end report", cron_expression: "0 6 1 * *", timezone: "Asia/Tokyo", queue_name: "reports", payload_template: { job_type: "monthly_report" } }));
  await must(api.post(`/api/v1/schedules/${hourly.id}/trigger`));
  await must(api.post(`/api/v1/schedules/${monthly.id}/pause`));

  const etl = await must(
    api.post("/api/v1/workflows", {
      name: "Nightly ETL",
      jobs: [
        { key: "extract", queue_name: "etl", payload: {} },
        { key: "transform-users", queue_name: "etl", payload: {}, depends_on: ["extract"] },
        { key: "transform-orders", queue_name: "etl", payload: {}, depends_on: ["extract"] },
        { key: "enrich-geo", queue_name: "etl", payload: {}, depends_on: ["transform-users"] },
        { key: "load-warehouse", queue_name: "etl", payload: {}, depends_on: ["enrich-geo", "transform-orders"] },
        { key: "notify-team", queue_name: "etl", payload: {}, depends_on: ["load-warehouse"] },
      ],
    }),
  );
  const step = async (worker: string, finish: boolean) => {
    const [job] = await claim("etl", worker);
    if (job && finish) await must(api.post(`/api/v1/jobs/${job.id}/complete`, { worker_id: worker, lease_id: job.lease_id, result: { rows: 1200 } }));
    return job;
  };
  await step("etl-1", true); // extract
  await step("etl-1", true); // one transform
  await step("etl-1", false); // the other, still running
  await must(api.post("/api/v1/workflows", { name: "Welcome series", jobs: [{ key: "send-day-0", queue_name: "drip", payload: {} }, { key: "send-day-3", queue_name: "drip", payload: {}, depends_on: ["send-day-0"] }] }));

  // Let deliveries to the failing endpoint run into its breaker (bounded wait: the page is shot either way).
  for (let i = 0; i < 150; i++) {
    const gates = (await api.get("/api/v1/delivery-breakers")).body as any[];
    if (gates.some((g) => g.state !== "closed")) break;
    await Bun.sleep(100);
  }

  const browser = await launchBrowser();
  if ("unavailable" in browser) throw new Error(browser.unavailable);
  try {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(String(e)));
    const shoot = async (name: string, hash: string, ready: (p: Page) => Promise<unknown>) => {
      await page.goto(`${server.url}/${hash}`);
      await ready(page);
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(out, `${name}.png`) });
      console.log(`docs/screenshots/${name}.png`);
    };
    await shoot("login", "", (p) => p.getByLabel("API key").waitFor());
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Open dashboard" }).click();
    await page.getByText("Live", { exact: true }).waitFor();
    const anyJob = (await api.get("/api/v1/jobs/dlq?limit=1")).body[0].id;
    await shoot("overview", "#/", (p) => p.locator(".chart > svg").waitFor());
    await shoot("jobs", "#/jobs", (p) => p.locator("[data-testid=jobs-table]").waitFor());
    await shoot("job", `#/jobs/${anyJob}`, (p) => p.locator("[data-testid=job-history] li").first().waitFor());
    await shoot("dlq", "#/dlq", (p) => p.locator("[data-testid=dlq-table]").waitFor());
    await shoot("queues", "#/queues", (p) => p.locator("[data-testid=queues-table]").waitFor());
    await shoot("workers", "#/workers", (p) => p.locator("[data-testid=workers-table]").waitFor());
    await shoot("schedules", "#/schedules", (p) => p.locator("[data-testid=schedules-table]").waitFor());
    await shoot("workflows", "#/workflows", (p) => p.locator("[data-testid=workflows-table]").waitFor());
    await shoot("workflow", `#/workflows/${etl.workflow_id}`, (p) => p.locator("[data-testid=dag-node]").first().waitFor());
    await shoot("webhooks", "#/webhooks", (p) => p.locator("[data-testid=breakers-table]").waitFor());
    await page.getByRole("button", { name: "Switch theme" }).click();
    await shoot("overview-dark", "#/", (p) => p.locator(".chart > svg").waitFor());
    await shoot("workflow-dark", `#/workflows/${etl.workflow_id}`, (p) => p.locator("[data-testid=dag-node]").first().waitFor());
    await page.getByRole("button", { name: "Switch theme" }).click();
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot("phone-overview", "#/", (p) => p.locator(".chart > svg").waitFor());
    await shoot("phone-job", `#/jobs/${anyJob}`, (p) => p.locator("[data-testid=job-history] li").first().waitFor());
    if (problems.length) throw new Error(`the page reported errors:\n${problems.join("\n")}`);
  } finally {
    await browser.close();
  }
} finally {
  await server.stop();
  receiver.stop(true);
  rmSync(dataDir, { recursive: true, force: true });
}
