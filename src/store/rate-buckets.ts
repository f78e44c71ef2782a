import type { Queryable } from "../db/types";

/**
 * Takes one token from a bucket shared by every node, in one statement: refill by elapsed time (database
 * clock) up to capacity, then take a token if one is there. The row lock of the upsert serializes takers.
 */
export async function takeToken(q: Queryable, bucket: string, capacity: number, refillPerSec: number): Promise<{ granted: boolean; tokens: number }> {
  const refilled = `least($2::float8, b.tokens + extract(epoch FROM now() - b.refreshed_at)::float8 * $3::float8)`;
  const [row] = await q.query<{ granted: boolean; tokens: number }>(
    `INSERT INTO rate_buckets AS b (bucket, tokens, refreshed_at, granted) VALUES ($1, $2::float8 - 1, now(), true)
     ON CONFLICT (bucket) DO UPDATE SET
       tokens = CASE WHEN ${refilled} >= 1 THEN ${refilled} - 1 ELSE ${refilled} END,
       granted = ${refilled} >= 1,
       refreshed_at = now()
     RETURNING granted, tokens`,
    [bucket, capacity, refillPerSec],
  );
  return { granted: !!row?.granted, tokens: Number(row?.tokens ?? 0) };
}

/** Buckets untouched for an hour are full again anyway: dropping them loses nothing. */
export async function pruneBuckets(q: Queryable): Promise<number> {
  const rows = await q.query("DELETE FROM rate_buckets WHERE refreshed_at < now() - interval '1 hour' RETURNING bucket");
  return rows.length;
}
