// Webhook delivery throughput of Spindle's HTTP delivery jobs, by the peers' `webhook` workload definition
// (/work/shared/bench/peers/README.md, W3), plus the same to 100 receivers of which one never answers.
//   bun bench/webhooks.ts   (env: WEBHOOK_N=5000, DB=postgres|pglite, RECEIVER=path to receiver.mjs,
//                            PROFILE=1 statement profile on stderr, SUBSCRIBE=1 an SSE client on the org's events)
// Prints one JSON line per measurement, in the peers' format.
import { loadConfig } from "../src/config";
import { startServer } from "../src/server";
import { freshDatabase, type DbKind } from "../tests/helpers/databases";
import { profiledDb } from "./db-profile";
import { jsonLinesChild } from "./json-lines-child";

const N = Number(process.env.WEBHOOK_N ?? 5000);
const C = 32;
const KIND = (process.env.DB ?? "postgres") as DbKind;
const RECEIVER = process.env.RECEIVER ?? "/work/shared/bench/peers/receiver.mjs";
const wall = () => performance.timeOrigin + performance.now();

function child(cmd: string[]) {
  const c = jsonLinesChild(cmd);
  children.push(c.proc);
  return c;
}

async function withServer<T>(hostCap: number, fn: (api: (path: string, body?: unknown) => Promise<any>) => Promise<T>): Promise<T> {
  const fresh = await freshDatabase(KIND);
  const profile = process.env.PROFILE ? profiledDb(fresh.db) : null;
  const db = profile?.db ?? fresh.db;
  const dispose = async () => {
    if (profile) console.error(profile.report());
    await fresh.dispose();
  };
  const config = loadConfig({
    HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_QUIET: "true", SPINDLE_QUOTAS: "off",
    // The workload's retry policy: 5 attempts, about 1 s apart (equal jitter: 0.5–1 s).
    SPINDLE_BACKOFF_BASE_SECS: "1", SPINDLE_BACKOFF_CAP_SECS: "1",
    SPINDLE_DELIVERY_CONCURRENCY: String(C), SPINDLE_DELIVERY_HOST_CONCURRENCY: String(hostCap),
  });
  const server = await startServer(config, { db });
  try {
    const org = await (await fetch(`${server.url}/api/v1/organizations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "bench", slug: `bench-${Date.now()}` }) })).json();
    const key = org.api_key.key;
    const api = async (path: string, body?: unknown) => {
      const r = await fetch(server.url + path, { method: body === undefined ? "GET" : "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      return r.json();
    };
    // SUBSCRIBE=1: an SSE client follows the organization's events meanwhile (the real-time hub's full load).
    const stream = process.env.SUBSCRIBE ? new AbortController() : null;
    let streamed = 0;
    if (stream) {
      const res = await fetch(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${key}` }, signal: stream.signal });
      if (!res.ok) throw new Error(`event stream: ${res.status}`);
      void (async () => {
        for await (const chunk of res.body as any as AsyncIterable<Uint8Array>) streamed += chunk.byteLength;
      })().catch(() => {});
    }
    try {
      return await fn(api);
    } finally {
      if (stream) {
        console.error(`event stream: ${streamed} bytes`);
        stream.abort();
      }
    }
  } finally {
    await server.stop();
    await dispose();
  }
}

/** Enqueues with the queue paused (workers "stopped"), in bulk calls of 100 (the API's limit), then resumes. */
async function enqueuePaused(api: (p: string, b?: unknown) => Promise<any>, queue: string, payloadOf: (k: number) => unknown) {
  await api(`/api/v1/queues/${queue}/pause`, { reason: "bench" });
  const t0 = wall();
  for (let start = 0; start < N; start += 100) {
    const jobs = Array.from({ length: Math.min(100, N - start) }, (_, i) => ({ payload: payloadOf(start + i) }));
    const r = await api("/api/v1/jobs/bulk", { queue_name: queue, default_max_retries: 4, jobs });
    if (r.success_count !== jobs.length) throw new Error(`bulk failed: ${JSON.stringify(r).slice(0, 300)}`);
  }
  return { enqueueSecs: (wall() - t0) / 1000 };
}

async function waitAllCompleted(api: (p: string) => Promise<any>, queue: string, expected: number) {
  for (;;) {
    const s = await api(`/api/v1/jobs/stats?queue_name=${queue}`);
    if (s.completed >= expected) return;
    await Bun.sleep(100);
  }
}

async function oneReceiver() {
  const rcv = child(["node", RECEIVER, String(N)]);
  const { port } = await rcv.next((m) => m.port);
  // One destination: its cap is the whole budget, as the definition has 32 requests in flight to one receiver.
  const result = await withServer(C, async (api) => {
    const queue = "spindle.http.bench";
    await enqueuePaused(api, queue, (k) => ({ url: `http://127.0.0.1:${port}/hook`, body: { id: k, event: "bench.webhook", data: { n: k } }, timeout_seconds: 5 }));
    const t0 = wall();
    await api(`/api/v1/queues/${queue}/resume`, {});
    const { done } = await rcv.next((m) => m.done);
    const seconds = (done.done_at - t0) / 1000;
    await waitAllCompleted(api, queue, N);
    rcv.proc.kill("SIGTERM");
    const { stats } = await rcv.next((m) => m.stats);
    return { seconds, duplicates: stats.duplicates, requests: stats.requests };
  });
  return {
    peer: "spindle", version: "0.1.0", workload: "webhook", jobs: N, concurrency: C, seconds: +result.seconds.toFixed(3),
    jobs_per_sec: +(N / result.seconds).toFixed(1), p50_ms: null, p99_ms: null, duplicates: result.duplicates,
    notes: `${KIND}; delivery jobs in queue spindle.http.bench worked by Spindle itself; 32 requests in flight, per-host cap 32; retries 5 attempts with 0.5-1 s equal-jitter backoff; bulk enqueue in calls of 100 (API limit); receiver.mjs ${N}; ${result.requests} requests`,
  };
}

async function hundredReceiversOneDead() {
  const live = 99;
  const healthyJobs = N - Math.floor(N / 100);
  const rcv = child(["bun", new URL("./multi-receiver.ts", import.meta.url).pathname, String(live), String(healthyJobs)]);
  const { ports, dead } = await rcv.next((m) => m.ports);
  const targets = [...ports, dead];
  // Many destinations: the default per-host cap (8), so the dead one can hold at most 8 of the 32 slots.
  const result = await withServer(8, async (api) => {
    const queue = "spindle.http.fanout";
    // Job k goes to receiver k % 100; every hundredth job targets the dead receiver (5 s timeout).
    await enqueuePaused(api, queue, (k) => ({ url: `http://127.0.0.1:${targets[k % 100]}/hook`, body: { id: k, event: "bench.webhook", data: { n: k } }, timeout_seconds: 5 }));
    const t0 = wall();
    await api(`/api/v1/queues/${queue}/resume`, {});
    const { done } = await rcv.next((m) => m.done);
    const seconds = (done.done_at - t0) / 1000;
    const breakers = await api("/api/v1/delivery-breakers");
    rcv.proc.kill("SIGTERM");
    const { stats } = await rcv.next((m) => m.stats);
    const deadGate = breakers.find((b: any) => b.host === `127.0.0.1:${dead}`);
    return { seconds, duplicates: stats.duplicates, deadRequests: stats.dead_requests, deadState: deadGate?.state ?? "unknown" };
  });
  return {
    peer: "spindle", version: "0.1.0", workload: "webhook-100-one-dead", jobs: healthyJobs, concurrency: C, seconds: +result.seconds.toFixed(3),
    jobs_per_sec: +(healthyJobs / result.seconds).toFixed(1), p50_ms: null, p99_ms: null, duplicates: result.duplicates,
    notes: `${KIND}; per-host cap 8; ${N} jobs over 100 receivers, one never answers (5 s timeout); rate counts the ${healthyJobs} healthy deliveries, no failures injected; dead receiver got ${result.deadRequests} requests, its breaker ${result.deadState} at the end`,
  };
}

const children: ReturnType<typeof Bun.spawn>[] = [];
try {
  console.log(JSON.stringify(await oneReceiver()));
  console.log(JSON.stringify(await hundredReceiversOneDead()));
} finally {
  for (const c of children) c.kill();
}
process.exit(0);
