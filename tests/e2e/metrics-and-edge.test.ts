import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer } from "../helpers/server";

const METRICS_TOKEN = "metrics-token-0123456789";

for (const kind of await databaseKinds()) {
  describe(`metrics, security headers and CORS (${kind})`, () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startTestServer(kind, { METRICS_TOKEN, METRICS_PORT: "0", CORS_ALLOWED_ORIGINS: "https://app.example.com, http://localhost:3000/" });
    });
    afterAll(() => s.stop());

    const scrape = async (base = s.url) => {
      const r = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}`, accept: "text/plain" } });
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      return r.text();
    };
    const sample = (text: string, series: string) => {
      const line = text.split("\n").find((l) => l.startsWith(series + " "));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };

    test("/metrics needs the token when one is set, and carries the contract's names plus per-queue series", async () => {
      expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${s.url}/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
      const { client } = await s.newOrg();
      for (let i = 0; i < 3; i++) await client.post("/api/v1/jobs", { queue_name: "metered", payload: { i } });
      const [job] = (await client.post("/api/v1/jobs/claim", { queue_name: "metered", worker_id: "w" })).body.jobs;
      await client.post(`/api/v1/jobs/${job.id}/complete`, { worker_id: "w" });
      const text = await scrape(); // the first scrape of this server: the database gauges are fresh
      expect(sample(text, "spooled_jobs_enqueued_total")).toBe(3);
      expect(sample(text, "spooled_jobs_completed_total")).toBeGreaterThanOrEqual(1);
      expect(sample(text, "spooled_jobs_pending")).toBeGreaterThanOrEqual(2);
      expect(sample(text, "spooled_job_duration_seconds_count")).toBeGreaterThanOrEqual(1);
      expect(sample(text, "spooled_api_requests_total")).toBeGreaterThan(5);
      for (const name of [
        "spooled_jobs_failed_total", "spooled_jobs_retried_total", "spooled_jobs_deadlettered_total", "spooled_jobs_processing",
        "spooled_job_max_age_seconds", "spooled_api_request_duration_seconds_count", "spooled_workers_active", "spooled_workers_healthy",
        "spooled_database_connections_active", "spooled_redis_operations_total", "process_resident_memory_bytes", "process_start_time_seconds",
      ]) expect(sample(text, name)).toBeNumber();
      expect(text).toContain('spindle_queue_job_transitions_total{queue="metered",event="created"} 3');
      expect(text).toMatch(/spindle_queue_jobs\{organization_id="[^"]+",queue="metered",status="pending"\} 2/);
      expect(text).toContain('spooled_api_request_duration_seconds_bucket{le="+Inf"}');
      expect(text).toContain("# TYPE spooled_job_duration_seconds histogram");
    });

    test("only committed changes are counted: a delivery job refused by validation adds nothing", async () => {
      const { client } = await s.newOrg();
      const before = sample(await scrape(), "spooled_jobs_enqueued_total")!;
      const refused = await client.post("/api/v1/jobs", { queue_name: "spindle.http.refused", payload: { method: "POST" } });
      expect(refused.status).toBe(400);
      const bulk = await client.post("/api/v1/jobs/bulk", { queue_name: "spindle.http.refused", jobs: [{ payload: { url: "http://127.0.0.1:9/ok" } }, { payload: { nope: 1 } }] });
      expect(bulk.status).toBe(400);
      expect((await client.post("/api/v1/jobs", { queue_name: "counted", payload: {} })).status).toBe(201);
      const text = await scrape();
      expect(sample(text, "spooled_jobs_enqueued_total")).toBe(before + 1);
      expect(text).not.toContain('queue="spindle.http.refused"');
    });

    test("group-committed creates and completions are counted once per committed member, refused members not at all", async () => {
      const { client } = await s.newOrg();
      const before = await scrape();
      const enqueued = sample(before, "spooled_jobs_enqueued_total")!;
      const completed = sample(before, "spooled_jobs_completed_total")!;
      // Concurrent single creates share transactions; the one with a foreign parent is refused alone.
      const creates = await Promise.all([
        ...Array.from({ length: 40 }, (_, i) => client.post("/api/v1/jobs", { queue_name: "grouped", payload: { i } })),
        client.post("/api/v1/jobs", { queue_name: "grouped", payload: {}, parent_job_id: crypto.randomUUID() }),
      ]);
      expect(creates.map((r) => r.status).sort()).toEqual([...Array(40).fill(201), 400]);
      const { jobs } = (await client.post("/api/v1/jobs/claim", { queue_name: "grouped", worker_id: "w", limit: 40 })).body;
      expect(jobs).toHaveLength(40);
      // Concurrent single completions share transactions too; a second completion of a job is refused alone.
      const completions = await Promise.all([
        ...jobs.map((j: any) => client.post(`/api/v1/jobs/${j.id}/complete`, { worker_id: "w" })),
        client.post(`/api/v1/jobs/${jobs[0].id}/complete`, { worker_id: "w" }),
      ]);
      expect(completions.filter((r) => r.status === 200)).toHaveLength(40);
      const text = await scrape();
      expect(sample(text, "spooled_jobs_enqueued_total")).toBe(enqueued + 40);
      expect(sample(text, "spooled_jobs_completed_total")).toBe(completed + 40);
      expect(text).toContain('spindle_queue_job_transitions_total{queue="grouped",event="completed"} 40');
    });

    test("the separate METRICS_PORT listener serves the same text and nothing else", async () => {
      const port = s.metricsPort;
      expect(port).toBeGreaterThan(0);
      const text = await scrape(`http://127.0.0.1:${port}`);
      expect(text).toContain("spooled_jobs_enqueued_total");
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/jobs`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
    });

    test("every response carries security headers", async () => {
      for (const r of [await fetch(`${s.url}/health`), await fetch(`${s.url}/api/v1/jobs`), await fetch(`${s.url}/api/v1/nope`)]) {
        expect(r.headers.get("x-content-type-options")).toBe("nosniff");
        expect(r.headers.get("x-frame-options")).toBe("DENY");
        expect(r.headers.get("referrer-policy")).toBe("no-referrer");
        expect(r.headers.get("content-security-policy")).toContain("default-src 'none'");
        expect(r.headers.get("strict-transport-security")).toBeNull(); // development mode
      }
    });

    test("CORS answers only origins on the allow-list, preflight included", async () => {
      const preflight = await fetch(`${s.url}/api/v1/jobs`, {
        method: "OPTIONS",
        headers: { origin: "https://app.example.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      expect(preflight.headers.get("access-control-allow-methods")).toContain("PATCH");
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
      expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();

      const local = await fetch(`${s.url}/health`, { headers: { origin: "http://localhost:3000" } });
      expect(local.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
      expect(local.headers.get("access-control-expose-headers")).toContain("X-RateLimit-Remaining");

      for (const origin of ["https://evil.example.com", "https://app.example.com.evil.net", "null"]) {
        const r = await fetch(`${s.url}/health`, { headers: { origin } });
        expect(r.headers.get("access-control-allow-origin")).toBeNull();
        const p = await fetch(`${s.url}/api/v1/jobs`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
        expect(p.headers.get("access-control-allow-origin")).toBeNull();
      }
    });
  });

  describe(`metrics without a token, public rate limit (${kind})`, () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startTestServer(kind, { SPINDLE_PUBLIC_RATE_LIMIT_PER_MINUTE: "5" });
    });
    afterAll(() => s.stop());

    test("/metrics is open when no token is configured; no CORS allow-list means no CORS headers", async () => {
      const r = await fetch(`${s.url}/metrics`, { headers: { origin: "https://app.example.com" } });
      expect(r.status).toBe(200);
      expect(await r.text()).toContain("# TYPE spooled_jobs_enqueued_total counter");
      expect(r.headers.get("access-control-allow-origin")).toBeNull();
    });

    test("public routes are limited per client address with 429 and Retry-After; authenticated routes are not", async () => {
      const { client } = await s.newOrg(); // 1 of 5
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await s.client().get(`/api/v1/organizations/check-slug?slug=free-${i}`)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
      const refused = await s.client().post("/api/v1/auth/login", { api_key: client.key });
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe("RATE_LIMIT_EXCEEDED");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      for (let i = 0; i < 10; i++) expect((await client.get("/api/v1/jobs/stats")).status).toBe(200);
    });
  });
}
