// Redrive by filter at scale: REDRIVE_N dead-lettered jobs (inserted by SQL: the setup is not what is measured),
// then one unpaced redrive through the API, timed from the request to the operation's completion.
//   bun bench/redrive.ts   (env: REDRIVE_N=200000, DB=postgres|pglite)
import { loadConfig } from "../src/config";
import { startServer } from "../src/server";
import { freshDatabase, type DbKind } from "../tests/helpers/databases";

const N = Number(process.env.REDRIVE_N ?? 200_000);
const KIND = (process.env.DB ?? "postgres") as DbKind;
const { db, dispose } = await freshDatabase(KIND);
const server = await startServer(loadConfig({ HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_QUIET: "true", SPINDLE_QUOTAS: "off" }), { db });
try {
  const org = await (await fetch(`${server.url}/api/v1/organizations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "bench", slug: `bench-${Date.now()}` }) })).json();
  const auth = { authorization: `Bearer ${org.api_key.key}`, "content-type": "application/json" };
  await db.query(
    `INSERT INTO jobs (id, organization_id, queue_name, status, payload, max_retries, timeout_seconds, last_error, retry_count, updated_at)
     SELECT gen_random_uuid()::text, $1, 'bulk', 'deadletter', jsonb_build_object('n', g), 3, 60, CASE WHEN g % 2 = 0 THEN 'HTTP 503' ELSE 'bad input' END, 3, now() - interval '1 minute'
     FROM generate_series(1, $2::int) g`,
    [org.organization.id, N],
  );
  if (process.env.ANALYZE) await db.query("ANALYZE jobs");
  const t0 = performance.now();
  const dry = await (await fetch(`${server.url}/api/v1/jobs/redrive`, { method: "POST", headers: auth, body: JSON.stringify({ queue_name: "bulk", error_contains: "503" }) })).json();
  const dryMs = performance.now() - t0;
  const t1 = performance.now();
  const run = await (await fetch(`${server.url}/api/v1/jobs/redrive`, { method: "POST", headers: auth, body: JSON.stringify({ queue_name: "bulk", error_contains: "503", dry_run: false }) })).json();
  let op: any;
  do {
    await Bun.sleep(200);
    op = await (await fetch(`${server.url}/api/v1/operations/${run.operation_id}`, { headers: auth })).json();
  } while (op.status === "running");
  const secs = (performance.now() - t1) / 1000;
  console.log(JSON.stringify({ workload: "redrive-by-filter", db: KIND, jobs_in_queue: N, matched: dry.matched, dry_run_ms: Math.round(dryMs), redriven: op.processed, seconds: +secs.toFixed(2), jobs_per_sec: Math.round(op.processed / secs), status: op.status }));
} finally {
  await server.stop();
  await dispose();
}
process.exit(0);
