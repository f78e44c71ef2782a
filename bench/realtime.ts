/**
 * Real-time fan-out on a real `spindle serve` process (PostgreSQL when one answers, else embedded PGlite):
 *  1. server memory per idle SSE and per idle WebSocket connection (RSS growth / connections);
 *  2. events/s delivered to N concurrent SSE subscribers of one organization while jobs flow (bulk create, claim,
 *     complete: six events per job), and how long after the last commit the last subscriber had everything.
 *   bun bench/realtime.ts [subscribers=100] [seconds=5] [idle=1000]
 */
import type { Subprocess } from "bun";
import { createPostgresDatabase, postgresAvailable } from "../tests/helpers/databases";
import { Client } from "../tests/helpers/server";
import { startNode } from "../tests/helpers/nodes";

const subscribers = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 5);
const idle = Number(process.argv[4] ?? 1000);

async function startServer(): Promise<{ proc: Subprocess; url: string; label: string; cleanup: () => Promise<void> }> {
  const pg = (await postgresAvailable()) ? await createPostgresDatabase() : undefined;
  const { proc, url } = await startNode(pg?.url);
  return {
    proc,
    url,
    label: pg ? "postgresql" : "pglite",
    cleanup: async () => {
      proc.kill("SIGKILL");
      await proc.exited;
      await pg?.drop();
    },
  };
}

const rssKb = async (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(await Bun.file(`/proc/${pid}/status`).text())![1]);

/** Counts `data:` messages of an SSE stream without parsing them (the bench must not be the bottleneck). */
async function countingSubscriber(url: string, key: string, counter: { n: number; last: number }, signal: AbortSignal) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let carry = "";
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const text = carry + decoder.decode(value, { stream: true });
        let i = -1;
        while ((i = text.indexOf("data: ", i + 1)) >= 0) {
          if (text.indexOf("\n", i) < 0) break;
          counter.n++;
        }
        const lastNewline = text.lastIndexOf("\n");
        carry = text.slice(lastNewline + 1);
        counter.last = performance.now();
      }
    } catch {}
  })();
}

const server = await startServer();
try {
  const org = await new Client(server.url).post("/api/v1/organizations", { name: "Bench", slug: `bench-${Date.now()}` });
  const key: string = org.body.api_key.key;
  const api = new Client(server.url, key);

  // ---- 1. memory per idle connection (first, while the heap is quiet) ------------------------------------------------------------------------
  // Warm the server up (JIT, first-use allocations) before taking the baseline.
  const warm = new AbortController();
  await Promise.all(Array.from({ length: 50 }, () => fetch(`${server.url}/api/v1/events/queues/idle?events=job.created`, { headers: { authorization: `Bearer ${key}` }, signal: warm.signal })));
  warm.abort();
  await Bun.sleep(2000);
  const before = await rssKb(server.proc.pid);
  const idleAbort = new AbortController();
  for (let i = 0; i < idle; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, idle - i) }, () => fetch(`${server.url}/api/v1/events/queues/idle?events=job.created`, { headers: { authorization: `Bearer ${key}` }, signal: idleAbort.signal })));
  }
  await Bun.sleep(1500);
  const withSse = await rssKb(server.proc.pid);
  const sockets: WebSocket[] = [];
  const wsOrgs = await Promise.all(Array.from({ length: Math.ceil(idle / 100) }, async (_, i) => (await new Client(server.url).post("/api/v1/organizations", { name: `WS ${i}`, slug: `ws-${Date.now()}-${i}` })).body.api_key.key as string));
  for (let i = 0; i < idle; i++) {
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/api/v1/ws?api_key=${wsOrgs[Math.floor(i / 100)]}`);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    sockets.push(ws);
  }
  await Bun.sleep(1500);
  const withWs = await rssKb(server.proc.pid);
  console.log(`idle connections (${server.label}): server RSS ${(before / 1024).toFixed(1)} MiB before`);
  console.log(`  ${idle} idle SSE streams    +${((withSse - before) / 1024).toFixed(1)} MiB  (${((withSse - before) / idle).toFixed(1)} KiB per connection)`);
  console.log(`  ${idle} idle WebSockets     +${((withWs - withSse) / 1024).toFixed(1)} MiB  (${((withWs - withSse) / idle).toFixed(1)} KiB per connection)`);
  for (const ws of sockets) ws.close();
  idleAbort.abort();
  // ---- 2. fan-out throughput -------------------------------------------------------------------------------
  const abort = new AbortController();
  const counters = Array.from({ length: subscribers }, () => ({ n: 0, last: 0 }));
  await Promise.all(counters.map((c) => countingSubscriber(`${server.url}/api/v1/events?events=job.created,job.status_changed,job.started,job.completed`, key, c, abort.signal)));
  await Bun.sleep(300);

  let jobs = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const flow = async (queue: string) => {
    while (performance.now() < until) {
      await api.post("/api/v1/jobs/bulk", { queue_name: queue, jobs: Array.from({ length: 50 }, () => ({ payload: {} })) });
      const claimed = (await api.post("/api/v1/jobs/claim", { queue_name: queue, worker_id: "bench", limit: 50 })).body.jobs as any[];
      await Promise.all(claimed.map((j) => api.post(`/api/v1/jobs/${j.id}/complete`, { worker_id: "bench", lease_id: j.lease_id })));
      jobs += claimed.length;
    }
  };
  await Promise.all([flow("bench-a"), flow("bench-b")]);
  const producedAt = performance.now();
  const expectedPerSubscriber = jobs * 6;
  const deadline = producedAt + 60_000;
  while (counters.some((c) => c.n < expectedPerSubscriber) && performance.now() < deadline) await Bun.sleep(20);
  const lastArrival = Math.max(...counters.map((c) => c.last));
  const delivered = counters.reduce((s, c) => s + c.n, 0);
  const elapsed = (lastArrival - started) / 1000;
  abort.abort();
  console.log(`realtime fan-out (${server.label}): ${subscribers} SSE subscribers, ${jobs} jobs created+claimed+completed in ${seconds}s`);
  console.log(`  events per stream      ${expectedPerSubscriber} (${(expectedPerSubscriber / elapsed).toFixed(0)} events/s)`);
  console.log(`  delivered              ${delivered} (${(delivered / elapsed).toFixed(0)} events/s to all subscribers)`);
  console.log(`  complete everywhere    ${(lastArrival - producedAt).toFixed(0)} ms after the last commit`);
  if (counters.some((c) => c.n !== expectedPerSubscriber)) console.log(`  WARNING: counts differ: ${[...new Set(counters.map((c) => c.n))].join(", ")}`);

} finally {
  await server.cleanup();
}
process.exit(0);
