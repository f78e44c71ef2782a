// Memory of the embedded server: a real `spindle serve` process on PGlite, its resident set (VmRSS) sampled every
// 250 ms at start-up, during a small workload and while idle afterwards ("steady" = the idle average).
//   bun bench/pglite-memory.ts   (env: MEM_ROUNDS=40; any other variables are passed to the server)
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSpindle } from "../tests/helpers/process";

const ROUNDS = Number(process.env.MEM_ROUNDS ?? 40);
const dir = mkdtempSync(join(tmpdir(), "spindle-mem-"));
const passThrough = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("SPINDLE_") || k === "DATABASE_URL")) as Record<string, string>;
// MEM_PREINIT=1: the data directory is created by `spindle migrate` first, so the server opens an existing one.
if (process.env.MEM_PREINIT === "1") {
  const init = Bun.spawnSync(["bun", "src/main.ts", "migrate"], { cwd: join(import.meta.dir, ".."), env: { ...process.env, SPINDLE_DATA_DIR: dir } });
  if (init.exitCode !== 0) throw new Error(`migrate failed: ${init.stderr}`);
}
const server = await spawnSpindle(["bun", "src/main.ts", "serve"], { cwd: join(import.meta.dir, ".."), env: { SPINDLE_DATA_DIR: dir, SPINDLE_QUIET: "true", ...passThrough }, startupMs: 120_000 });
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.proc.pid}/status`, "utf8"))![1]) / 1024;
const samples: { phase: string; mb: number }[] = [];
let phase = "start";
const timer = setInterval(() => samples.push({ phase, mb: rssMb() }), 250);

const call = async (method: string, path: string, body?: unknown, key?: string) =>
  (await fetch(server.url + path, { method, headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) })).json();

try {
  await Bun.sleep(2000);
  phase = "workload";
  const t0 = performance.now();
  const org = await call("POST", "/api/v1/organizations", { name: "mem", slug: `mem-${Date.now()}` });
  const key = org.api_key.key as string;
  let jobs = 0;
  const trace: [number, number][] = []; // [jobs completed, RSS MB] every 100 rounds: does a long run keep growing?
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 100 === 0) trace.push([jobs, Math.round(rssMb())]);
    const queue = `q${round % 5}`;
    await call("POST", "/api/v1/jobs/bulk", { queue_name: queue, jobs: Array.from({ length: 100 }, (_, i) => ({ payload: { round, i, text: "x".repeat(200) } })) }, key);
    for (let c = 0; c < 2; c++) {
      const claimed = (await call("POST", "/api/v1/jobs/claim", { queue_name: queue, worker_id: "mem-worker", limit: 50 }, key)).jobs ?? [];
      await call("POST", "/api/v1/jobs/complete", { worker_id: "mem-worker", jobs: claimed.map((j: any) => ({ job_id: j.id, lease_id: j.lease_id, result: { ok: true } })) }, key);
      jobs += claimed.length;
    }
    await call("GET", "/api/v1/jobs?limit=100", undefined, key);
    await call("GET", "/api/v1/jobs/stats", undefined, key);
    await call("GET", `/api/v1/queues/${queue}/stats`, undefined, key);
    await call("GET", "/api/v1/organizations/usage", undefined, key);
  }
  const workloadSecs = (performance.now() - t0) / 1000;
  phase = "idle";
  await Bun.sleep(15_000);
  clearInterval(timer);
  const of = (p: string) => samples.filter((s) => s.phase === p).map((s) => s.mb);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(JSON.stringify({
    bench: "pglite-memory", rounds: ROUNDS, data_dir: process.env.MEM_PREINIT === "1" ? "existing" : "new", jobs_completed: jobs, workload_secs: +workloadSecs.toFixed(1),
    settings: Object.fromEntries(Object.entries(passThrough).filter(([k]) => k.startsWith("SPINDLE_PGLITE"))),
    rss_trace: trace, rss_start_mb: Math.round(avg(of("start"))), rss_peak_mb: Math.round(Math.max(...samples.map((s) => s.mb))), rss_steady_mb: Math.round(avg(of("idle"))),
  }));
} finally {
  clearInterval(timer);
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
