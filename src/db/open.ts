import type { Db } from "./types";
import { openPostgres } from "./postgres";
import { openPglite } from "./pglite";

/** DATABASE_URL wins; without it the embedded database lives in dataDir. */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; poolSize?: number }): Promise<Db> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize);
  return openPglite(opts.dataDir);
}
