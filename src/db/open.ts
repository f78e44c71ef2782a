import type { Db } from "./types";
import { openPostgres } from "./postgres";
import { openPglite } from "./pglite";

/**
 * DATABASE_URL wins; without it the embedded database lives in dataDir. statementTimeoutMs bounds a statement:
 * PostgreSQL cancels it, the embedded database counts as stuck after it (src/db/pglite-guard.ts).
 */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; poolSize?: number; statementTimeoutMs?: number; pgliteSharedBuffersMb?: number }): Promise<Db> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize, opts.statementTimeoutMs);
  return openPglite(opts.dataDir, { stallLimitMs: opts.statementTimeoutMs, sharedBuffersMb: opts.pgliteSharedBuffersMb });
}
