import type { Queryable } from "../db/types";

export const API_KEY_COLUMNS = "id, organization_id, name, key_prefix, queues, rate_limit, is_active, created_at, last_used, expires_at";

export async function insertApiKey(
  q: Queryable,
  k: { id: string; orgId: string; name: string; keyHash: string; keyPrefix: string; queues: string[]; rateLimit: number | null; expiresAt: Date | null },
): Promise<any> {
  const [row] = await q.query(
    `INSERT INTO api_keys (id, organization_id, name, key_hash, key_prefix, queues, rate_limit, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8) RETURNING ${API_KEY_COLUMNS}`,
    [k.id, k.orgId, k.name, k.keyHash, k.keyPrefix, k.queues, k.rateLimit, k.expiresAt ? k.expiresAt.toISOString() : null],
  );
  return row;
}

/**
 * The per-request credential check: one indexed lookup by digest, joined with its organization.
 * last_used is bumped at most once a minute so that authentication stays a read.
 */
export async function findActiveKeyByHash(q: Queryable, keyHash: string): Promise<any | undefined> {
  const [row] = await q.query(
    `SELECT k.id, k.organization_id, k.name, k.queues, k.rate_limit, k.expires_at, k.last_used, o.plan_tier
     FROM api_keys k JOIN organizations o ON o.id = k.organization_id
     WHERE k.key_hash = $1 AND k.is_active AND (k.expires_at IS NULL OR k.expires_at > now()) AND o.plan_tier <> 'deleted'`,
    [keyHash],
  );
  return row;
}

export async function touchApiKey(q: Queryable, id: string): Promise<void> {
  await q.query("UPDATE api_keys SET last_used = now() WHERE id = $1 AND (last_used IS NULL OR last_used < now() - interval '1 minute')", [id]);
}
