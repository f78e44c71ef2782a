// Soak: jobs through the system at a steady rate with retention on, sampling table and index sizes, claim latency
// and process memory at each interval; the sizes must go flat once the retention window has passed. Not a test.
// Retention is time-compressed: the window is SOAK_WINDOW_SECS instead of 7 days (fractional retention days).
//   bun bench/soak.ts   (env: DB=postgres|pglite, SOAK_JOBS=1000000, SOAK_RATE=1000 jobs/s, SOAK_WINDOW_SECS=120,
//                        SOAK_SAMPLE_SECS=60, SOAK_RETENTION_INTERVAL_SECS=5)
import { loadConfig } from "../src/config";
import { startServer } from "../src/server";
import { freshDatabase, type DbKind } from "../tests/helpers/databases";

const TOTAL = Number(process.env.SOAK_JOBS ?? 1_000_000);
const RATE = Number(process.env.SOAK_RATE ?? 1000);
const WINDOW_SECS = Number(process.env.SOAK_WINDOW_SECS ?? 120);
const SAMPLE_SECS = Number(process.env.SOAK_SAMPLE_SECS ?? 60);
const KIND = (process.env.DB ?? "postgres") as DbKind;
const BULK = 100;
const CLAIM = 50;

const { db, dispose } = await freshDatabase(KIND);
const server = await startServer(
  loadConfig({
    HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_QUIET: "true",
    SPINDLE_RETENTION_COMPLETED_DAYS: String(WINDOW_SECS / 86_400),
    SPINDLE_RETENTION_INTERVAL_SECS: process.env.SOAK_RETENTION_INTERVAL_SECS ?? "5",
  }),
  { db },
);
const post = async (path: string, body: unknown, auth: Record<string, string>) =>
  (await fetch(server.url + path, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: JSON.stringify(body) })).json();

let created = 0;
let completed = 0;
let claimMs: number[] = [];
let stop = false;
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]! : 0);

async function sizes() {
  const [r] = await db.query<any>(
    `SELECT pg_relation_size('jobs') AS jobs_heap, pg_indexes_size('jobs') AS jobs_indexes, pg_total_relation_size('job_events') AS job_events_total,
            (SELECT count(*)::int FROM jobs) AS job_rows, (SELECT count(*)::int FROM job_events) AS event_rows`,
  );
  return r;
}

try {
  const org = await post("/api/v1/organizations", { name: "soak", slug: `soak-${Date.now()}` }, {});
  const auth = { authorization: `Bearer ${org.api_key.key}` };
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;

  // Producer: BULK jobs at a time, paced to RATE jobs/s on average.
  const producer = (async () => {
    while (!stop && created < TOTAL) {
      const n = Math.min(BULK, TOTAL - created);
      await post("/api/v1/jobs/bulk", { queue_name: "soak", jobs: Array.from({ length: n }, (_, i) => ({ payload: { n: created + i } })) }, auth);
      created += n;
      const ahead = created / RATE - elapsed();
      if (ahead > 0) await Bun.sleep(ahead * 1000);
    }
  })();
  // Workers: claim a batch, complete it in one call.
  const worker = async (id: number) => {
    while (!stop && completed < TOTAL) {
      const c0 = performance.now();
      const { jobs } = await post("/api/v1/jobs/claim", { queue_name: "soak", worker_id: `soak-${id}`, limit: CLAIM }, auth);
      claimMs.push(performance.now() - c0);
      if (!jobs?.length) {
        await Bun.sleep(20);
        continue;
      }
      await post("/api/v1/jobs/complete", { worker_id: `soak-${id}`, jobs: jobs.map((j: any) => ({ job_id: j.id, lease_id: j.lease_id })) }, auth);
      completed += jobs.length;
    }
  };
  const workers = [1, 2, 3, 4].map(worker);

  const sampler = (async () => {
    for (;;) {
      const until = Date.now() + SAMPLE_SECS * 1000;
      while (!stop && Date.now() < until) await Bun.sleep(100);
      const s = await sizes();
      const window = claimMs;
      claimMs = [];
      console.log(JSON.stringify({
        bench: "soak", db: KIND, t_secs: Math.round(elapsed()), created, completed, rate_target: RATE, window_secs: WINDOW_SECS, ...s,
        claim_p50_ms: +pct(window, 50).toFixed(2), claim_p99_ms: +pct(window, 99).toFixed(2), claims: window.length,
        rss_mb: Math.round(process.memoryUsage().rss / 1048576),
      }));
      if (stop) return;
    }
  })();
  await producer;
  await Promise.all(workers);
  stop = true;
  await sampler;
} finally {
  await server.stop();
  await dispose();
}
process.exit(0);
