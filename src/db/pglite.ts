import { PGlite, types } from "@electric-sql/pglite";
import type { Db, Queryable, Row } from "./types";
import { loadPgliteAssets } from "./pglite-assets";

/**
 * The embedded default: PostgreSQL compiled to WebAssembly, data in a directory (or in memory for "memory://").
 * PGlite is a single session, so every call is serialized by PGlite itself; inside a transaction only the
 * transaction's own handle may be used.
 */
export async function openPglite(dataDir: string, opts: { loadDataDir?: Blob } = {}): Promise<Db> {
  const assets = await loadPgliteAssets();
  const pg = await PGlite.create({
    dataDir: dataDir === "memory://" ? undefined : dataDir,
    ...assets,
    ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    // int8 (counts, bigserial ids) as JS numbers, matching the postgres.js seam.
    parsers: { [types.INT8]: (x: string) => Number(x) },
  });

  const run = async <T extends Row>(q: { query: PGlite["query"] }, text: string, params: unknown[] = []) =>
    (await q.query<T>(text, params as any[])).rows;

  const wrap = (q: { query: PGlite["query"]; exec: PGlite["exec"] }): Queryable => ({
    query: (text, params) => run(q, text, params),
    exec: async (script) => {
      await q.exec(script);
    },
  });

  return {
    kind: "pglite",
    describe: `embedded pglite ${dataDir === "memory://" ? "(in memory)" : dataDir}`,
    ...wrap(pg),
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx as any))),
    async listen(channel, onPayload) {
      const unlisten = await pg.listen(channel, onPayload);
      return async () => unlisten();
    },
    async notify(channel, payload) {
      await pg.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    // One embedded session is the whole cluster: it always holds the lock.
    tryWithAdvisoryLock: (_key, fn) => pg.transaction((tx) => fn(wrap(tx as any))),
    // The embedded database belongs to this one process, which is therefore always the leader.
    holdAdvisoryLock: async () => ({ stillHeld: async () => !pg.closed, release: async () => {} }),
    close: () => pg.close(),
    dumpDataDir: async () => (await pg.dumpDataDir("none")) as Blob,
  };
}
