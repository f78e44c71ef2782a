import postgres from "postgres";
import { withAfterCommit, type Db, type Queryable, type Row } from "./types";
import { wrapConnectionFailure } from "./errors";
import { OutageBreaker } from "./outage";

/** How long releasing an advisory lock may wait for its session to answer. */
const UNLOCK_WAIT_MS = 2000;

/** A real PostgreSQL 14+ server through postgres.js. */
export function openPostgres(url: string, poolSize = 10, statementTimeoutMs?: number): Db {
  const sql = postgres(url, {
    max: poolSize,
    // The server cancels a statement that runs longer (SPINDLE_STATEMENT_TIMEOUT_SECS); 0 would mean no limit.
    ...(statementTimeoutMs ? { connection: { statement_timeout: statementTimeoutMs } } : {}),
    onnotice: () => {},
    prepare: true,
    idle_timeout: 60,
    connect_timeout: 5,
    // Reconnect attempts every 10 ms .. 250 ms instead of backing off to 20 s: each failed attempt is what answers
    // a waiting statement with an error, so a long backoff turns an outage into hanging requests.
    backoff: (attempt: number) => Math.min(0.25, 0.01 * 2 ** attempt),
    // int8 (counts, bigserial ids) as JS numbers; our values stay far below 2^53.
    types: { bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) } },
  });

  const breaker = new OutageBreaker();
  /** Runs one call to the server through the breaker; connection failures become DatabaseUnavailableError. */
  const guarded = async <T>(call: () => Promise<T>): Promise<T> => {
    breaker.admit();
    try {
      const result = await call();
      breaker.succeeded();
      return result;
    } catch (err) {
      breaker.failed(err);
      throw wrapConnectionFailure(err);
    }
  };
  const run = async <T extends object>(q: postgres.Sql | postgres.TransactionSql, text: string, params: unknown[] = []) => {
    try {
      // Dispatched now rather than when first awaited: statements go out in the order they were called, so a
      // statement issued before a transaction body returns is sure to precede its COMMIT (job-notifier.ts).
      return (await q.unsafe(text, params as any[], { prepare: true }).execute()) as unknown as T[];
    } catch (err) {
      throw wrapConnectionFailure(err);
    }
  };
  const exec = async (q: postgres.Sql | postgres.TransactionSql, script: string) => {
    try {
      await q.unsafe(script).simple();
    } catch (err) {
      throw wrapConnectionFailure(err);
    }
  };
  const wrap = (q: postgres.Sql | postgres.TransactionSql): Queryable => ({
    query: (text, params) => run(q, text, params),
    exec: (script) => exec(q, script),
  });
  const safeUrl = url.replace(/\/\/([^:@/]+)(:[^@/]*)?@/, "//$1@");

  return {
    kind: "postgres",
    describe: `postgresql ${safeUrl}`,
    query: (text, params) => guarded(() => run(sql, text, params)),
    exec: (script) => guarded(() => exec(sql, script)),
    transaction: (fn) => withAfterCommit((body) => guarded(async () => (await sql.begin((tx) => body(wrap(tx)))) as any), fn),
    async listen(channel, onPayload, onReconnect) {
      let first = true;
      const sub = await sql.listen(channel, onPayload, () => {
        if (!first) onReconnect?.();
        first = false;
      });
      return () => sub.unlisten();
    },
    async notify(channel, payload) {
      await run(sql, "SELECT pg_notify($1, $2)", [channel, payload]);
    },
    async tryWithAdvisoryLock(key, fn) {
      return this.transaction(async (tx) => {
        const [got] = await tx.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS locked", [key]);
        return got?.locked ? fn(tx) : undefined;
      });
    },
    async holdAdvisoryLock(key) {
      const conn = await sql.reserve();
      const held = async () => {
        // Asks about this very session: a reserved connection that broke and reconnected holds nothing.
        const [row] = await conn.unsafe(
          `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
             AND ((classid::bigint << 32) | objid::bigint) = $1::bigint AND objsubid = 1) AS held`,
          [key],
        );
        return !!row?.held;
      };
      try {
        const [got] = await conn.unsafe("SELECT pg_try_advisory_lock($1::bigint) AS locked", [key]);
        if (!got?.locked) {
          conn.release();
          return undefined;
        }
      } catch (err) {
        conn.release();
        throw wrapConnectionFailure(err);
      }
      let lost = false;
      return {
        async stillHeld() {
          const still = await held().catch(() => false);
          lost ||= !still;
          return still;
        },
        async release() {
          // A lost lock died with its session, and postgres.js took the broken connection back into its pool when
          // it closed: a statement sent on it now can wait forever (the old leader then never steps down, and no
          // node leads again), and handing it back a second time would give the pool one connection twice.
          if (lost) return;
          // Even on a live-looking session the unlock may never answer right after a restart: bound the wait.
          await Promise.race([conn.unsafe("SELECT pg_advisory_unlock($1::bigint)", [key]).catch(() => {}), Bun.sleep(UNLOCK_WAIT_MS)]);
          conn.release();
        },
      };
    },
    async close() {
      await sql.end({ timeout: 2 });
    },
  };
}
