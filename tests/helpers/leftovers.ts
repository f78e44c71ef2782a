import postgres from "postgres";
import { PG_ADMIN_URL, postgresAvailable } from "./databases";
import { destroyClustersOf, findPostgresBin } from "./private-postgres";

/**
 * Run by scripts/test.sh after its `bun test` processes (process ids in argv) have ended: drops the PostgreSQL
 * databases they created and did not drop, and stops their private PostgreSQL clusters (a run was killed, or a test
 * leaked one), and says so, so a leak is seen rather than piling up.
 */
const pids = process.argv.slice(2).map(Number);
if (pids.length === 0 || pids.some((pid) => !Number.isInteger(pid) || pid <= 0)) throw new Error("usage: bun tests/helpers/leftovers.ts <pid of bun test>...");
if (await postgresAvailable()) {
  const sql = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    const patterns = pids.map((pid) => `spindle\\_t\\_${pid}\\_%`);
    const rows = await sql`SELECT datname FROM pg_database WHERE datname LIKE ANY(${patterns})`;
    for (const { datname } of rows) await sql.unsafe(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    if (rows.length > 0) console.log(`leftovers: dropped ${rows.length} test database(s) the run left behind: ${rows.map((r) => r.datname).join(", ")}`);
  } finally {
    await sql.end({ timeout: 2 });
  }
}
const pgBin = findPostgresBin();
for (const pid of pids) {
  const clusters = pgBin ? await destroyClustersOf(pid, pgBin) : [];
  if (clusters.length > 0) console.log(`leftovers: stopped ${clusters.length} private PostgreSQL cluster(s) the run left behind: ${clusters.join(", ")}`);
}
