// Per-destination adaptive delivery (docs/webhooks.md "Adaptive per-host delivery"): 100 receivers, of which one
// answers after 2 s and one answers 429 with Retry-After: 1, against a baseline where all 100 answer at once.
//   bun bench/adaptive-hosts.ts   (env: ADAPTIVE_N=2000 jobs per run, DB=postgres|pglite)
// Prints one JSON line per run: the healthy 98 receivers' throughput, and what the slow and 429 hosts received.
import { loadConfig } from "../src/config";
import { startServer } from "../src/server";
import { freshDatabase, type DbKind } from "../tests/helpers/databases";
import { jsonLinesChild } from "./json-lines-child";

const N = Number(process.env.ADAPTIVE_N ?? 2000);
const KIND = (process.env.DB ?? "postgres") as DbKind;
const C = 32;
const wall = () => performance.timeOrigin + performance.now();
const healthyJobs = Array.from({ length: N }, (_, k) => k).filter((k) => k % 100 < 98).length;

const receivers = (mode: string) =>
  jsonLinesChild(["bun", new URL("./adaptive-receivers.ts", import.meta.url).pathname, mode, String(healthyJobs)]);

async function run(mode: "baseline" | "mixed") {
  const rcv = receivers(mode);
  const { ports } = await rcv.next((m) => m.ports);
  const { db, dispose } = await freshDatabase(KIND);
  const config = loadConfig({
    HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_QUIET: "true", SPINDLE_QUOTAS: "off",
    SPINDLE_BACKOFF_BASE_SECS: "1", SPINDLE_BACKOFF_CAP_SECS: "1", SPINDLE_DELIVERY_CONCURRENCY: String(C), SPINDLE_DELIVERY_HOST_CONCURRENCY: "8",
  });
  const server = await startServer(config, { db });
  try {
    const org = await (await fetch(`${server.url}/api/v1/organizations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "bench", slug: `bench-${Date.now()}` }) })).json();
    const api = async (path: string, body?: unknown) =>
      (await fetch(server.url + path, { method: body === undefined ? "GET" : "POST", headers: { authorization: `Bearer ${org.api_key.key}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) })).json();
    const queue = "spindle.http.adaptive";
    await api(`/api/v1/queues/${queue}/pause`, { reason: "bench" });
    for (let start = 0; start < N; start += 100) {
      const jobs = Array.from({ length: Math.min(100, N - start) }, (_, i) => {
        const k = start + i;
        return { payload: { url: `http://127.0.0.1:${ports[k % 100]}/hook`, body: { id: k }, timeout_seconds: 5 } };
      });
      const r = await api("/api/v1/jobs/bulk", { queue_name: queue, default_max_retries: 4, jobs });
      if (r.success_count !== jobs.length) throw new Error(`bulk failed: ${JSON.stringify(r).slice(0, 300)}`);
    }
    const t0 = wall();
    await api(`/api/v1/queues/${queue}/resume`, {});
    const { done } = await rcv.next((m) => m.done);
    const seconds = (done.done_at - t0) / 1000;
    const hosts = (await api("/api/v1/outgoing-webhooks/hosts")) as any[];
    const gate = (port: number) => hosts.find((h) => h.host === `127.0.0.1:${port}`);
    rcv.proc.kill("SIGTERM");
    const { stats } = await rcv.next((m) => m.stats);
    return {
      workload: `adaptive-hosts-${mode}`, db: KIND, jobs: N, healthy_jobs: healthyJobs, seconds: +seconds.toFixed(3),
      healthy_jobs_per_sec: +(healthyJobs / seconds).toFixed(1), duplicates: stats.duplicates,
      slow: mode === "mixed" ? { requests: stats.slow_requests, limit: gate(ports[98])?.concurrency_limit } : null,
      limited: mode === "mixed" ? { requests: stats.limited_requests, max_per_second: stats.limited_max_per_second, limit: gate(ports[99])?.concurrency_limit, state: gate(ports[99])?.state } : null,
    };
  } finally {
    rcv.proc.kill();
    await server.stop();
    await dispose();
  }
}

console.log(JSON.stringify(await run("baseline")));
console.log(JSON.stringify(await run("mixed")));
process.exit(0);
