import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { eventually } from "../helpers/eventually";
import { startReceiver, type Receiver } from "../helpers/receivers";
import { SseReader } from "../helpers/realtime-clients";

const FAST_RETRIES = { SPINDLE_BACKOFF_BASE_SECS: "0.05", SPINDLE_BACKOFF_CAP_SECS: "0.2" };

for (const kind of await databaseKinds()) {
  describe(`adaptive per-host delivery (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    let key: string;
    const receivers: Receiver[] = [];
    beforeAll(async () => {
      s = await startTestServer(kind, { ...FAST_RETRIES, SPINDLE_DELIVERY_CONCURRENCY: "32", SPINDLE_DELIVERY_HOST_CONCURRENCY: "6", SPINDLE_BREAKER_FAILURES: "1000" });
      ({ client: api, key } = await s.newOrg());
    });
    afterAll(async () => {
      await s.stop();
      for (const r of receivers) r.stop();
    });
    const bulk = async (queue: string, urls: string[]) => {
      const r = await api.post("/api/v1/jobs/bulk", { queue_name: queue, default_max_retries: 50, jobs: urls.map((url) => ({ payload: { url } })) });
      expect(r.body.success_count).toBe(urls.length);
      return r.body.succeeded.map((x: any) => x.job_id) as string[];
    };
    const hosts = async () => (await api.get("/api/v1/outgoing-webhooks/hosts")).body as any[];

    test("a host answering 429 with Retry-After: 1 gets at most one request per second, and its state is visible", async () => {
      const events = await SseReader.open(`${s.url}/api/v1/events?api_key=${key}`);
      const limited = startReceiver(() => new Response("slow down", { status: 429, headers: { "retry-after": "1" } }));
      receivers.push(limited);
      const host = new URL(limited.url).host;
      await bulk("spindle.http.limited", Array.from({ length: 20 }, (_, i) => `${limited.url}/l/${i}`));
      await limited.waitFor(4);
      const gate = (await hosts()).find((h) => h.host === host);
      expect(gate).toMatchObject({ state: "closed", concurrency_limit: 1, max_concurrency: 6 });
      // Each request comes at least the asked second after the answer before it, never two at once.
      const at = limited.received.map((r) => r.at);
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(950);
      expect(limited.maxInFlight).toBe(1);
      await events.until((m) => m.some((x) => x.event.type === "delivery.host_limit_changed" && x.event.data.host === host && x.event.data.paused_until));
      events.close();
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).toContain(`spindle_delivery_host_concurrency_limit{host="${host}"} 1`);
      expect(metrics).toContain(`spindle_delivery_host_breaker_state{host="${host}",state="closed"} 1`);
      await api.delete("/api/v1/queues/spindle.http.limited?delete_jobs=true");
    });

    test("a fast host grows from one request at a time to its cap; a 503 halves it", async () => {
      const events = await SseReader.open(`${s.url}/api/v1/events?api_key=${key}`);
      let failing = false;
      const fast = startReceiver(async () => {
        await Bun.sleep(20);
        return failing ? new Response("busy", { status: 503 }) : new Response("ok");
      });
      receivers.push(fast);
      const host = new URL(fast.url).host;
      const ids = await bulk("spindle.http.fast", Array.from({ length: 100 }, (_, i) => `${fast.url}/f/${i}`));
      await eventually(async () => (await api.get(`/api/v1/jobs/status?ids=${ids.join(",")}`)).body as any[], (st) => st.every((j) => j.status === "completed"), 60_000);
      expect((await hosts()).find((h) => h.host === host)).toMatchObject({ concurrency_limit: 6 });
      expect(fast.maxInFlight).toBeLessThanOrEqual(6);
      expect(fast.maxInFlight).toBeGreaterThan(1);

      failing = true;
      await bulk("spindle.http.fast", Array.from({ length: 3 }, (_, i) => `${fast.url}/g/${i}`));
      const limitChange = (x: any) => x.event.type === "delivery.host_limit_changed" && x.event.data.host === host;
      const seen = await events.until((m) => m.some((x) => limitChange(x) && x.event.data.concurrency_limit < 6));
      // The stream tells the story in order: back at the cap of 6, then halved to 3 by the first 503.
      expect(seen.filter(limitChange).map((x) => x.event.data.concurrency_limit).slice(0, 2)).toEqual([6, 3]);
      events.close();
      await api.delete("/api/v1/queues/spindle.http.fast?delete_jobs=true");
    });
  });
}
