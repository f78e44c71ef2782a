// Opt-in statement profile for benches (PROFILE=1): wraps a Db and counts, per statement shape, how often it ran,
// its total time and rows, plus transactions. Printed to stderr; the measured numbers are slower with it on.
import type { Db, Queryable, Row, Transaction } from "../src/db/types";

interface Tally { count: number; ms: number; rows: number }

export function profiledDb(db: Db): { db: Db; report: () => string } {
  const tallies = new Map<string, Tally>();
  let transactions = 0;
  const shape = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, 90);
  const timed = (q: Queryable): Queryable => ({
    async query<T extends object = Row>(text: string, params?: unknown[]): Promise<T[]> {
      const t0 = performance.now();
      const rows = await q.query<T>(text, params);
      const t = tallies.get(shape(text)) ?? tallies.set(shape(text), { count: 0, ms: 0, rows: 0 }).get(shape(text))!;
      t.count++;
      t.ms += performance.now() - t0;
      t.rows += rows.length;
      return rows;
    },
    exec: (script) => q.exec(script),
  });
  const wrapped: Db = Object.assign(Object.create(db), {
    ...timed(db),
    transaction<T>(fn: (tx: Transaction) => Promise<T>) {
      transactions++;
      return db.transaction((tx) => fn({ ...tx, ...timed(tx) }));
    },
  });
  const report = () =>
    [`transactions: ${transactions}`, ...[...tallies.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)
      .map(([s, t]) => `${String(t.count).padStart(7)} x ${t.ms.toFixed(0).padStart(7)} ms ${String(t.rows).padStart(7)} rows  ${s}`)].join("\n");
  return { db: wrapped, report };
}
