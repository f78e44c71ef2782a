import postgres from "postgres";
import type { Db } from "../../src/db/types";
import { openPglite } from "../../src/db/pglite";
import { openPostgres } from "../../src/db/postgres";
import { migrate } from "../../src/db/migrate";
import { MIGRATIONS } from "../../src/db/migrations";

export type DbKind = "pglite" | "postgres";
export const PG_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

let pgAvailable: Promise<boolean> | undefined;
/**
 * Whether the shared PostgreSQL answers; when it does not, PostgreSQL halves are skipped and say so, except under
 * CI=true, where every test file that needs it fails instead.
 */
export function postgresAvailable(): Promise<boolean> {
  pgAvailable ??= (async () => {
    const sql = postgres(PG_ADMIN_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`SELECT 1`;
      return true;
    } catch (err) {
      // On CI a missing PostgreSQL is a broken machine, not a reason to pass with half the tests skipped.
      if (process.env.CI === "true") throw new Error(`CI=true and no PostgreSQL answers at ${PG_ADMIN_URL}: ${err}`);
      console.log("postgres: no server at " + PG_ADMIN_URL + " — PostgreSQL tests skipped");
      return false;
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {});
    }
  })();
  return pgAvailable;
}

export async function databaseKinds(): Promise<DbKind[]> {
  return (await postgresAvailable()) ? ["pglite", "postgres"] : ["pglite"];
}

// ---- PGlite: initdb + migrations once per test process, then every database starts from that snapshot ----
let pgliteSnapshot: Promise<Blob> | undefined;
async function freshPglite(): Promise<Db> {
  pgliteSnapshot ??= (async () => {
    const db = await openPglite("memory://");
    await migrate(db);
    const blob = await db.dumpDataDir!();
    await db.close();
    return blob as Blob;
  })();
  // A stuck or broken database fails the test that caused it instead of exiting the whole test process.
  return openPglite("memory://", { loadDataDir: await pgliteSnapshot, onUnrecoverable: (reason) => console.error(`[test] embedded database: ${reason}`) });
}

// ---- PostgreSQL: a migrated template per migration set, then CREATE DATABASE ... TEMPLATE per test file ----
const templateName = `spindle_tpl_${Bun.hash(MIGRATIONS.map((m) => m.sql).join("\n")).toString(36)}`;
let templateReady: Promise<void> | undefined;

async function withAdmin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 2 });
  }
}

async function ensureTemplate(): Promise<void> {
  templateReady ??= withAdmin(async (sql) => {
    await sql`SELECT pg_advisory_lock(4242001)`;
    try {
      const [exists] = await sql`SELECT 1 FROM pg_database WHERE datname = ${templateName}`;
      if (exists) return;
      const building = `${templateName}_build_${process.pid}`;
      await sql.unsafe(`DROP DATABASE IF EXISTS "${building}"`);
      await sql.unsafe(`CREATE DATABASE "${building}"`);
      const db = openPostgres(PG_ADMIN_URL.replace(/\/[^/]*$/, `/${building}`), 1);
      await migrate(db);
      await db.close();
      await sql.unsafe(`ALTER DATABASE "${building}" RENAME TO "${templateName}"`);
    } finally {
      await sql`SELECT pg_advisory_unlock(4242001)`;
    }
  });
  return templateReady;
}

/** A new, migrated, empty PostgreSQL database; returns its URL and a drop function. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  await ensureTemplate();
  const name = `spindle_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await withAdmin(async (sql) => {
    await sql`SELECT pg_advisory_lock(4242001)`;
    try {
      await sql.unsafe(`CREATE DATABASE "${name}" TEMPLATE "${templateName}"`);
    } finally {
      await sql`SELECT pg_advisory_unlock(4242001)`;
    }
  });
  return {
    url: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`),
    drop: () => withAdmin(async (sql) => void (await sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}

/** A fresh database of the given kind, closed and removed by the returned dispose function. */
export async function freshDatabase(kind: DbKind): Promise<{ db: Db; url?: string; dispose: () => Promise<void> }> {
  if (kind === "pglite") {
    const db = await freshPglite();
    return { db, dispose: () => db.close() };
  }
  const { url, drop } = await createPostgresDatabase();
  const db = openPostgres(url, 10);
  return { db, url, dispose: async () => { await db.close(); await drop(); } };
}
