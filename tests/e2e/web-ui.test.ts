import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";

/** The web UI's server side: the page and its assets, and the two reads added for it (docs/dashboard.md). */
for (const kind of await databaseKinds()) {
  describe(`web UI serving and its reads (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    beforeAll(async () => {
      s = await startTestServer(kind);
      api = (await s.newOrg()).client;
    });
    afterAll(() => s.stop());

    const create = async (body: Record<string, unknown>) => {
      const r = await api.post("/api/v1/jobs", { payload: {}, ...body });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };

    test("/ serves the page under a strict CSP, its assets are served (gzipped, cacheable), and /ui redirects to /", async () => {
      const page = await fetch(`${s.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toStartWith("text/html");
      const csp = page.headers.get("content-security-policy")!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      const html = await page.text();
      // Nothing inline: every script has a src, no <style> element, no style attribute.
      expect(html.match(/<script\b[^>]*>/g)!.every((tag) => / src="\/ui\/assets\/app-[a-z0-9]+\.js"/.test(tag))).toBe(true);
      expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);

      const [js] = html.match(/\/ui\/assets\/app-[a-z0-9]+\.js/)!;
      const [css] = html.match(/\/ui\/assets\/app-[a-z0-9]+\.css/)!;
      for (const [path, type] of [[js, "text/javascript"], [css, "text/css"], ["/ui/assets/icon.svg", "image/svg+xml"]] as const) {
        const r = await fetch(`${s.url}${path}`, { headers: { "accept-encoding": "gzip" }, decompress: false } as RequestInit);
        expect(r.status).toBe(200);
        expect(r.headers.get("content-type")).toStartWith(type);
        expect(r.headers.get("content-encoding")).toBe("gzip");
        expect(Bun.gunzipSync(new Uint8Array(await r.arrayBuffer())).length).toBeGreaterThan(100);
      }
      expect((await fetch(`${s.url}${js}`)).headers.get("cache-control")).toContain("immutable");
      expect((await fetch(`${s.url}/ui/assets/app-nothing.js`)).status).toBe(404);

      const redirect = await fetch(`${s.url}/ui`, { redirect: "manual" });
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get("location")).toBe("/");
      // The API keeps its own JSON 404 and its own CSP.
      expect((await fetch(`${s.url}/nothing-here`)).status).toBe(404);
      expect((await fetch(`${s.url}/health`)).headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    });

    test("the job list filters by creation time and by text in the id or idempotency key; a bad instant is a 400 naming it", async () => {
      const first = await create({ queue_name: "filters", idempotency_key: "order-7781-confirmation" });
      const boundary = (await api.get(`/api/v1/jobs/${first}`)).body.created_at as string;
      await Bun.sleep(5); // two distinct creation instants on the database clock
      const second = await create({ queue_name: "filters", idempotency_key: "order-9000-invoice" });
      const secondAt = (await api.get(`/api/v1/jobs/${second}`)).body.created_at as string;
      expect(Date.parse(secondAt)).toBeGreaterThan(Date.parse(boundary));

      const ids = async (q: string) => ((await api.get(`/api/v1/jobs?queue_name=filters&${q}`)).body as any[]).map((j) => j.id);
      expect(await ids("search=7781")).toEqual([first]);
      expect(await ids(`search=${second.slice(4, 16)}`)).toEqual([second]);
      expect(await ids("search=order-")).toEqual([second, first]);
      expect(await ids(`created_after=${encodeURIComponent(secondAt)}`)).toEqual([second]);
      expect(await ids(`created_before=${encodeURIComponent(secondAt)}`)).toEqual([first]);
      expect(await ids(`created_after=${encodeURIComponent(boundary)}&created_before=${encodeURIComponent(secondAt)}`)).toEqual([first]);

      const bad = await api.get("/api/v1/jobs?created_after=yesterday");
      expect(bad.status).toBe(400);
      expect(bad.body.details).toEqual([expect.objectContaining({ field: "created_after" })]);
      expect((await api.get("/api/v1/jobs/dlq?created_before=2026-13-45T00:00:00Z")).status).toBe(400);
    });

    test("throughput counts this minute's enqueued, completed and failed attempts, one zero-filled point per minute", async () => {
      const { client } = await s.newOrg();
      for (let i = 0; i < 3; i++) expect((await client.post("/api/v1/jobs", { queue_name: "tp", payload: {}, max_retries: 1 })).status).toBe(201);
      const claimed = (await client.post("/api/v1/jobs/claim", { queue_name: "tp", worker_id: "w", limit: 2 })).body.jobs as any[];
      expect((await client.post(`/api/v1/jobs/${claimed[0].id}/complete`, { worker_id: "w" })).status).toBe(200);
      expect((await client.post(`/api/v1/jobs/${claimed[1].id}/fail`, { worker_id: "w", error: "no" })).status).toBe(200);

      const r = await client.get("/api/v1/dashboard/throughput?minutes=15");
      expect(r.status).toBe(200);
      const minutes = r.body.minutes as { minute: string; enqueued: number; completed: number; failed: number }[];
      expect(minutes).toHaveLength(15);
      for (let i = 1; i < minutes.length; i++) expect(Date.parse(minutes[i]!.minute) - Date.parse(minutes[i - 1]!.minute)).toBe(60_000);
      const sum = (k: "enqueued" | "completed" | "failed") => minutes.reduce((a, m) => a + m[k], 0);
      // Within the window whichever minute the events fell in (the test may straddle a minute boundary).
      expect({ enqueued: sum("enqueued"), completed: sum("completed"), failed: sum("failed") }).toEqual({ enqueued: 3, completed: 1, failed: 1 });
      // Another organization's events never count.
      expect(((await api.get("/api/v1/dashboard/throughput?minutes=15")).body.minutes as any[]).reduce((a, m) => a + m.completed, 0)).toBe(0);
      expect((await client.get("/api/v1/dashboard/throughput?minutes=100000")).body.minutes).toHaveLength(180);
    });
  });
}
