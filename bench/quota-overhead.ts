/**
 * What the quota check costs on job creation: jobs/s for POST /jobs (sequential and 8 concurrent clients) with
 * quotas off, and on with counting caps (a pro organization given room: the active-jobs count runs each time).
 * Usage: bun bench/quota-overhead.ts [postgres-url]   (without a URL: embedded PGlite in memory)
 */
import { loadConfig } from "../src/config";
import { startServer } from "../src/server";
import { openPglite } from "../src/db/pglite";

const ADMIN = "bench-admin-key-0123456789";
const N = 1000;

async function run(quotas: "on" | "off", pgUrl?: string) {
  const db = pgUrl ? undefined : await openPglite("memory://");
  const config = loadConfig({ HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_QUIET: "true", SPINDLE_LOOPS: "false", SPINDLE_QUOTAS: quotas, ADMIN_API_KEY: ADMIN, ...(pgUrl ? { DATABASE_URL: pgUrl } : {}) });
  const server = await startServer(config, db ? { db } : {});
  const call = (path: string, body: unknown, headers: Record<string, string> = {}, method = "POST") =>
    fetch(server.url + path, { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) }).then((r) => r.json() as any);
  const org = await call("/api/v1/organizations", { name: "Bench org", slug: `bench-${Date.now().toString(36)}` });
  await call(`/api/v1/admin/organizations/${org.organization.id}`, { plan_tier: "pro", custom_limits: { max_active_jobs: 1_000_000, max_jobs_per_day: 10_000_000 } }, { "x-admin-key": ADMIN }, "PATCH");
  const auth = { authorization: `Bearer ${org.api_key.key}` };
  const create = (i: number) => call("/api/v1/jobs", { queue_name: "bench", payload: { i } }, auth);

  for (let i = 0; i < 200; i++) await create(-i); // warm-up (JIT, prepared statements, caches)
  let t = performance.now();
  for (let i = 0; i < N; i++) await create(i);
  const sequential = N / ((performance.now() - t) / 1000);
  t = performance.now();
  await Promise.all(Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; i < N / 8; i++) await create(w * N + i);
  }));
  const concurrent = N / ((performance.now() - t) / 1000);
  await server.stop();
  await db?.close();
  return { sequential, concurrent };
}

const pgUrl = process.argv[2];
for (const quotas of ["off", "on", "off", "on"] as const) {
  const r = await run(quotas, pgUrl);
  console.log(`${pgUrl ? "postgres" : "pglite"} quotas=${quotas}: ${r.sequential.toFixed(0)} creates/s sequential, ${r.concurrent.toFixed(0)} creates/s with 8 clients`);
}
