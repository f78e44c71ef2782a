import type { Queryable } from "../db/types";

/** The cheapest statement that proves the database executes queries. */
export async function pingDatabase(q: Queryable): Promise<void> {
  await q.query("SELECT 1");
}
