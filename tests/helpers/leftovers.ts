import postgres from "postgres";
import { PG_ADMIN_URL, postgresAvailable } from "./databases";
import { destroyClustersOf, findPostgresBin } from "./private-postgres";

/**
 * Run by scripts/test.sh after `bun test` (process id in argv) has ended: drops the PostgreSQL databases that run
 * created and did not drop, and stops its private PostgreSQL clusters (it was killed, or a test leaked one), and says
 * so, so a leak is seen rather than piling up.
 */
const pid = Number(process.argv[2]);
if (!Number.isInteger(pid) || pid <= 0) throw new Error("usage: bun tests/helpers/leftovers.ts <pid of bun test>");
if (await postgresAvailable()) {
  const sql = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`SELECT datname FROM pg_database WHERE datname LIKE ${`spindle\\_t\\_${pid}\\_%`}`;
    for (const { datname } of rows) await sql.unsafe(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    if (rows.length > 0) console.log(`leftovers: dropped ${rows.length} test database(s) the run left behind: ${rows.map((r) => r.datname).join(", ")}`);
  } finally {
    await sql.end({ timeout: 2 });
  }
}
const pgBin = findPostgresBin();
const clusters = pgBin ? await destroyClustersOf(pid, pgBin) : [];
if (clusters.length > 0) console.log(`leftovers: stopped ${clusters.length} private PostgreSQL cluster(s) the run left behind: ${clusters.join(", ")}`);
