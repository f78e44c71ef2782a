import type { Queryable } from "../db/types";

/**
 * Tells the job_events trigger that this transaction's caller NOTIFYs after commit itself (migration 0011), so
 * the commit does not take PostgreSQL's global notify lock. Transaction-local: it ends with the transaction.
 */
export async function notifyByApp(tx: Queryable): Promise<void> {
  await tx.query("SELECT set_config('spindle.notify_by_app', 'on', true), set_config('spindle.touched', '', true)");
}

/** The "org queue" lines the trigger collected in this transaction instead of NOTIFYing (may repeat). */
export async function touchedQueues(tx: Queryable): Promise<string[]> {
  const [row] = await tx.query<{ touched: string | null }>("SELECT current_setting('spindle.touched', true) AS touched");
  return (row?.touched ?? "").split("\n").filter((l) => l.length > 0);
}

/** One NOTIFY for many (organization, queue) pairs, in the trigger's payload format (one "org queue" per line). */
export async function notifyJobEvents(q: Queryable, lines: string): Promise<void> {
  await q.query("SELECT pg_notify('spindle_job_events', $1)", [lines]);
}
