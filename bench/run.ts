#!/usr/bin/env bun
// The peers' workloads (../shared/bench/peers/README.md: W1 throughput + enqueue, W2 latency, W3 webhook) against a
// real Spindle server process, printing the same JSON lines with peer "spindle". Workers use only the public REST
// API: batched claims, and per-job or batched completion (BENCH_COMPLETE=single|batch).
//
//   bun bench/run.ts                               # PostgreSQL at 127.0.0.1:5432, all three workloads
//   BENCH_DATABASES=postgres,pglite WORKLOADS=throughput N=5000 bun bench/run.ts
import { resolve, join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import postgres from "postgres";
import { spawnSpindle, type SpindleProcess } from "../tests/helpers/process";
import { RestWorkers, type CompleteMode } from "./rest-workers";
import { startReceiver } from "./receiver";
import { VERSION } from "../src/version";
import { cpuSample, otherCpuPct, processCpuMs } from "./cpu";
import { freePort, grpcClients, grpcEnqueue, processWorkers, streamWorkers } from "./grpc-workloads";

const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const N = num("N", 20000), C = num("CONCURRENCY", 32), BATCH = num("BATCH", 100);
const RATE = num("RATE", 200), LATENCY_SECONDS = num("LATENCY_SECONDS", 10), WEBHOOK_N = num("WEBHOOK_N", 5000);
const ADMIN_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DATABASES = (process.env.BENCH_DATABASES ?? "postgres").split(",");
const WORKLOADS = (process.env.WORKLOADS ?? "throughput,latency,webhook,grpc").split(",");
/** Jobs in the gRPC workloads (unary enqueue is slow enough that a shorter run may be wanted). */
const GRPC_N = num("GRPC_N", N);
/** Jobs a gRPC stream worker keeps in hand (x-spindle-prefetch). */
const PREFETCH = num("BENCH_PREFETCH", 16);
const COMPLETE = (process.env.BENCH_COMPLETE ?? "batch") as CompleteMode;
const FETCHERS = num("BENCH_FETCHERS", 2);
const QUEUE = "bench";
const BENCH_ADMIN_KEY = "bench-admin-key-not-secret";
const repo = resolve(import.meta.dir, "..");

const now = () => performance.now();
const round = (x: number | null, digits = 2) => (x == null ? null : Math.round(x * 10 ** digits) / 10 ** digits);
const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const log = (msg: string) => console.error(`[bench] ${msg}`);

let cpuAtStart = cpuSample();
/** The server process under test, and its CPU time when the current measurement started. */
let serverPid = 0;
let serverCpuAtStart: number | null = null;
/** Starts a measurement: other processes' CPU and the server's own CPU are counted from here. */
function measureFromNow(): number {
  cpuAtStart = cpuSample();
  serverCpuAtStart = processCpuMs(serverPid);
  return now();
}
function emit(db: string, workload: string, r: { jobs: number; seconds: number; lat?: number[]; notes: string; [k: string]: unknown }) {
  const { jobs, seconds, lat, notes, ...extra } = r;
  const other = otherCpuPct(cpuAtStart, cpuSample());
  const serverCpu = processCpuMs(serverPid);
  // Server CPU per job moves far less with other sessions' load than jobs/s does.
  const serverMsPerJob = serverCpu !== null && serverCpuAtStart !== null ? round((serverCpu - serverCpuAtStart) / jobs, 3) : null;
  if (other !== null && other > 5) log(`${workload}: warning: other processes used ${other}% of the CPUs meanwhile; this result is skewed`);
  console.log(JSON.stringify({
    peer: db === "postgres" ? "spindle" : `spindle-${db}`, version: VERSION, workload, jobs, concurrency: C,
    seconds: round(seconds, 3), jobs_per_sec: round(jobs / seconds, 1),
    p50_ms: lat ? round(pct(lat, 0.5)) : null, p99_ms: lat ? round(pct(lat, 0.99)) : null, notes, ...extra, server_cpu_ms_per_job: serverMsPerJob, other_cpu_pct: other,
  }));
  measureFromNow();
}

/** A Spindle server on a fresh database, and a client for one organization on it. */
async function startSpindle(db: string) {
  const env: Record<string, string> = {
    SPINDLE_QUIET: "true",
    // Retry policy of the workloads: 5 attempts, about 1 s apart (equal jitter: 0.5-1 s).
    SPINDLE_BACKOFF_BASE_SECS: "1",
    SPINDLE_BACKOFF_CAP_SECS: "1",
    DATABASE_POOL_SIZE: process.env.BENCH_POOL ?? "16",
    ADMIN_API_KEY: BENCH_ADMIN_KEY,
    GRPC_PORT: String(await freePort()),
  };
  let cleanup: () => Promise<void>;
  if (db === "postgres") {
    // One database per bench process: two benches on one PostgreSQL never drop each other's.
    const name = `sbench_spindle_${process.pid}`;
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${name}`);
    env.DATABASE_URL = Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).href;
    cleanup = async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), "sbench-"));
    env.SPINDLE_DATA_DIR = join(dir, "data");
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  // BENCH_CPU_PROF=dir: the server writes a CPU profile there when it stops (read it with bench/profile-summary.ts).
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const server: SpindleProcess = await spawnSpindle([process.execPath, ...profile, "src/main.ts", "serve"], { cwd: repo, env });
  serverPid = server.proc.pid;
  const org = (await (await fetch(`${server.url}/api/v1/organizations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Bench Org", slug: `bench-${Date.now().toString(36)}` }),
  })).json()) as any;
  const key = org.api_key.key as string;
  // Quotas stay on (the default deployment); the organization gets limits the workloads cannot reach.
  const upgrade = await fetch(`${server.url}/api/v1/admin/organizations/${org.organization.id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json", "x-admin-key": BENCH_ADMIN_KEY },
    body: JSON.stringify({ plan_tier: "pro", custom_limits: { max_active_jobs: 10_000_000, max_jobs_per_day: 100_000_000 } }),
  });
  if (!upgrade.ok) throw new Error(`could not lift the organization's limits: ${upgrade.status} ${await upgrade.text()}`);
  if (process.env.BENCH_NO_NOTIFY && env.DATABASE_URL) {
    const x = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
    await x.unsafe("ALTER TABLE job_events DISABLE TRIGGER job_events_notify");
    await x.end();
  }
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(server.url + path, {
      method,
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as any;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url: server.url,
    grpcAddress: `127.0.0.1:${env.GRPC_PORT}`,
    key,
    call,
    pending: async () => {
      const s = await call("GET", `/api/v1/jobs/stats?queue_name=${QUEUE}`);
      return s.total - s.completed;
    },
    async stop() {
      await server.stop();
      await cleanup();
    },
  };
}

async function enqueueAll(call: (m: string, p: string, b?: unknown) => Promise<any>, n: number, extra: Record<string, unknown> = {}) {
  for (let i = 0; i < n; i += BATCH) {
    const jobs = Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => ({ payload: { i: i + k } }));
    await call("POST", "/api/v1/jobs/bulk", { queue_name: QUEUE, jobs, ...extra });
  }
}

async function until(check: () => Promise<boolean>, what: string, ms = 120_000) {
  const end = now() + ms;
  while (!(await check())) {
    if (now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

const workersNote = (w: RestWorkers) => `REST workers: ${w.describe()}`;

/**
 * W2's open loop: after workers (already started) idled 2 s, n single POST /jobs at RATE per second; latency of a
 * job = its handler's start (reported through started(i)) minus its enqueue call's return.
 */
function offeredLoad(call: (m: string, p: string, b?: unknown) => Promise<any>, queueName: string, n: number) {
  const returned = new Float64Array(n), started = new Float64Array(n);
  let handled = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  return {
    started(i: number) {
      started[i] = now();
      if (++handled === n) done();
    },
    async run(): Promise<{ seconds: number; lat: number[] }> {
      await Bun.sleep(2000);
      const t0 = measureFromNow();
      const calls: Promise<void>[] = [];
      for (let i = 0; i < n; i++) {
        const wait = t0 + (i * 1000) / RATE - now();
        if (wait > 0) await Bun.sleep(wait);
        calls.push(call("POST", "/api/v1/jobs", { queue_name: queueName, payload: { i }, max_retries: 4 }).then(() => void (returned[i] = now())));
      }
      await Promise.all(calls);
      await all;
      return { seconds: (Math.max(...started) - t0) / 1000, lat: Array.from(started, (st, i) => st - returned[i]!).sort((a, b) => a - b) };
    },
  };
}

const workloads: Record<string, (db: string) => Promise<void>> = {
  async throughput(db) {
    const s = await startSpindle(db);
    try {
      let t = measureFromNow();
      await enqueueAll(s.call, N);
      emit(db, "enqueue", { jobs: N, seconds: (now() - t) / 1000, notes: `POST /jobs/bulk, ${BATCH} jobs per call (the API's maximum), one call at a time` });
      let handled = 0;
      const workers = new RestWorkers(s.url, s.key, QUEUE, { concurrency: C, complete: COMPLETE, fetchers: FETCHERS });
      t = measureFromNow();
      const all = new Promise<void>((done) => workers.start(async () => void (++handled === N && done())));
      await all;
      await until(async () => (await s.pending()) === 0, "all jobs completed");
      emit(db, "throughput", { jobs: N, seconds: (now() - t) / 1000, notes: workersNote(workers) });
      await workers.stop();
    } finally {
      await s.stop();
    }
  },

  async latency(db) {
    const s = await startSpindle(db);
    try {
      const n = RATE * LATENCY_SECONDS;
      const load = offeredLoad(s.call, QUEUE, n);
      const workers = new RestWorkers(s.url, s.key, QUEUE, { concurrency: C, complete: COMPLETE, fetchers: FETCHERS });
      workers.start(async ({ i }) => load.started(i));
      const { seconds, lat } = await load.run();
      emit(db, "latency", {
        jobs: n, seconds, lat,
        notes: `${RATE}/s for ${LATENCY_SECONDS}s, one job per POST /jobs; max ${round(lat.at(-1)!)} ms; ${workersNote(workers)}`,
      });
      await workers.stop();
    } finally {
      await s.stop();
    }
  },

  /** W1 and W2 over gRPC: unary Enqueue (the enqueue line), StreamJobs + Complete drain, then the latency run. */
  async grpc(db) {
    const s = await startSpindle(db);
    const c = grpcClients(s.grpcAddress, s.key);
    try {
      await grpcEnqueue(c, "warmup", 200, C);
      let t = measureFromNow();
      await grpcEnqueue(c, QUEUE, GRPC_N, C);
      emit(db, "grpc-enqueue", { jobs: GRPC_N, seconds: (now() - t) / 1000, notes: `unary Enqueue, one job per call, ${C} calls in flight (grpc-js)` });
      let handled = 0;
      let drained!: () => void;
      const all = new Promise<void>((r) => (drained = r));
      t = measureFromNow();
      const workers = streamWorkers(c, s.key, QUEUE, C, PREFETCH, () => void (++handled === GRPC_N && drained()));
      await all;
      await until(async () => (await s.pending()) === 0, "all jobs completed");
      emit(db, "grpc-throughput", { jobs: GRPC_N, seconds: (now() - t) / 1000, notes: workers.describe() });
      workers.stop();

      // The same drain with ProcessJobs: settlements travel in-band on each worker's stream, not as unary calls.
      await grpcEnqueue(c, "bidi", GRPC_N, C);
      handled = 0;
      const bidiDrained = new Promise<void>((r) => (drained = r));
      t = measureFromNow();
      const bidi = processWorkers(c, "bidi", C, PREFETCH, () => void (++handled === GRPC_N && drained()));
      await bidiDrained;
      await until(async () => (await s.call("GET", "/api/v1/jobs/stats?queue_name=bidi")).completed === GRPC_N, "all ProcessJobs jobs completed");
      emit(db, "grpc-process-throughput", { jobs: GRPC_N, seconds: (now() - t) / 1000, notes: bidi.describe() });
      bidi.stop();

      const n = RATE * LATENCY_SECONDS;
      const load = offeredLoad(s.call, "latency", n);
      const latencyWorkers = streamWorkers(c, s.key, "latency", C, PREFETCH, (i) => load.started(i));
      const { seconds, lat } = await load.run();
      emit(db, "grpc-latency", {
        jobs: n, seconds, lat,
        notes: `${RATE}/s for ${LATENCY_SECONDS}s, one job per POST /jobs; max ${round(lat.at(-1)!)} ms; ${latencyWorkers.describe()}`,
      });
      latencyWorkers.stop();
    } finally {
      c.close();
      await s.stop();
    }
  },

  async webhook(db) {
    const s = await startSpindle(db);
    const rx = await startReceiver(WEBHOOK_N);
    try {
      await enqueueAll(s.call, WEBHOOK_N, { default_max_retries: 4 });
      const url = `http://127.0.0.1:${rx.port}/hook`;
      const workers = new RestWorkers(s.url, s.key, QUEUE, { concurrency: C, complete: COMPLETE, fetchers: FETCHERS });
      const t0 = performance.timeOrigin + now();
      workers.start(async ({ i }) => {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ id: i, event: "bench.webhook", data: { n: i } }),
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`receiver answered ${res.status}`);
      });
      const { done_at } = await rx.done;
      await until(async () => (await s.pending()) === 0, "all jobs completed");
      const stats = await rx.stats();
      emit(db, "webhook", {
        jobs: WEBHOOK_N, seconds: (done_at - t0) / 1000, duplicates: stats.duplicates,
        notes: `duplicates=${stats.duplicates} requests=${stats.requests} first-attempt 500s=${stats.failed_first_attempts}; max_retries=4, backoff 0.5-1 s; ${workersNote(workers)}`,
      });
      await workers.stop();
    } finally {
      rx.close();
      await s.stop();
    }
  },
};

let failed = false;
for (const db of DATABASES) {
  for (const w of WORKLOADS) {
    log(`spindle (${db}) ${w}`);
    cpuAtStart = cpuSample();
    try {
      await workloads[w]!(db);
    } catch (err) {
      failed = true;
      log(`FAILED: ${db} ${w}: ${(err as Error).stack ?? err}`);
    }
  }
}
process.exit(failed ? 1 : 0);
