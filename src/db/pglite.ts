import { PGlite, types } from "@electric-sql/pglite";
import { DatabaseUnavailableError, withAfterCommit, type Db, type Queryable, type Row } from "./types";
import { loadPgliteAssets } from "./pglite-assets";
import { exitProcess, StallMonitor, watchBackendExceptions, type Unrecoverable } from "./pglite-guard";

export interface PgliteOptions {
  loadDataDir?: Blob;
  /** How long the database may leave a statement unanswered before it counts as stuck (SPINDLE_STATEMENT_TIMEOUT_SECS). */
  stallLimitMs?: number;
  /** What to do once the database is broken or stuck; by default log and exit non-zero (crash-only). */
  onUnrecoverable?: Unrecoverable;
  /** PostgreSQL's shared_buffers inside the embedded server (SPINDLE_PGLITE_SHARED_BUFFERS_MB). */
  sharedBuffersMb?: number;
}

/**
 * Memory settings of the embedded server (docs/benchmarks.md "PGlite memory"). WebAssembly memory only grows: every
 * page PostgreSQL ever touched stays resident for the life of the process. PGlite's 128 MB of shared buffers
 * become resident as the data is read, on top of a ~100 MB runtime; a small server's working set fits in far
 * less, and the operating system's page cache still holds the files. Sorts and index builds get bounded memory.
 */
export const DEFAULT_PGLITE_SHARED_BUFFERS_MB = 16;
const memorySettings = (sharedBuffersMb: number) => [
  `shared_buffers=${sharedBuffersMb}MB`,
  "work_mem=2MB",
  "maintenance_work_mem=16MB",
  "temp_buffers=2MB",
  "wal_buffers=1MB",
  // A single-user server checkpoints by itself once this much WAL accumulated: PostgreSQL's 1 GB default lets
  // pg_wal (on disk, or in memory for "memory://") grow to a gigabyte before any segment is recycled.
  "max_wal_size=64MB",
  "min_wal_size=32MB",
];

/**
 * The embedded default: PostgreSQL compiled to WebAssembly, data in a directory (or in memory for "memory://").
 * PGlite is a single session, so every call is serialized by PGlite itself; inside a transaction only the
 * transaction's own handle may be used. Guarded against a broken or stuck backend (src/db/pglite-guard.ts).
 */
export async function openPglite(dataDir: string, opts: PgliteOptions = {}): Promise<Db> {
  const assets = await loadPgliteAssets();
  const pg = await PGlite.create({
    dataDir: dataDir === "memory://" ? undefined : dataDir,
    ...assets,
    ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    startParams: [...PGlite.defaultStartParams, ...memorySettings(opts.sharedBuffersMb ?? DEFAULT_PGLITE_SHARED_BUFFERS_MB).flatMap((s) => ["-c", s])],
    // int8 (counts, bigserial ids) as JS numbers, matching the postgres.js seam.
    parsers: { [types.INT8]: (x: string) => Number(x) },
  });

  let unrecoverable: string | undefined;
  const giveUp: Unrecoverable = (reason) => {
    if (unrecoverable) return;
    unrecoverable = reason;
    (opts.onUnrecoverable ?? exitProcess)(reason);
  };
  const brokenBackend = watchBackendExceptions(pg, giveUp);
  const stalls = new StallMonitor(opts.stallLimitMs ?? 30_000, giveUp);
  /** Every call goes through here: refused once the backend is broken, timed while it runs, checked after. */
  const guarded = <T>(call: () => Promise<T>): Promise<T> => {
    if (unrecoverable) return Promise.reject(new DatabaseUnavailableError(new Error(unrecoverable)));
    return stalls.track(async () => {
      const result = await call();
      // A swallowed backend exception returns an empty result instead of failing: never hand that out as data.
      const broken = brokenBackend();
      if (broken) throw new DatabaseUnavailableError(new Error(broken));
      return result;
    });
  };

  const run = <T extends object>(q: { query: PGlite["query"] }, text: string, params: unknown[] = []) =>
    guarded(async () => (await q.query<T>(text, params as any[])).rows);

  const wrap = (q: { query: PGlite["query"]; exec: PGlite["exec"] }): Queryable => ({
    query: (text, params) => run(q, text, params),
    exec: (script) => guarded(async () => void (await q.exec(script))),
  });

  return {
    kind: "pglite",
    describe: `embedded pglite ${dataDir === "memory://" ? "(in memory)" : dataDir}`,
    ...wrap(pg),
    transaction: (fn) => withAfterCommit((body) => guarded(() => pg.transaction((tx) => body(wrap(tx as any)))), fn),
    async listen(channel, onPayload) {
      const unlisten = await pg.listen(channel, onPayload);
      return async () => unlisten();
    },
    async notify(channel, payload) {
      await run(pg, "SELECT pg_notify($1, $2)", [channel, payload]);
    },
    // One embedded session is the whole cluster: it always holds the lock.
    tryWithAdvisoryLock: (_key, fn) => withAfterCommit((body) => guarded(() => pg.transaction((tx) => body(wrap(tx as any)))), fn),
    // The embedded database belongs to this one process, which is therefore always the leader.
    holdAdvisoryLock: async () => ({ stillHeld: async () => !pg.closed, release: async () => {} }),
    close: async () => {
      stalls.stop();
      if (!unrecoverable) await pg.close();
    },
    dumpDataDir: async () => (await pg.dumpDataDir("none")) as Blob,
  };
}
