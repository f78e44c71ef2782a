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

/** Newest first, revoked keys included; never the digest. */
export async function listApiKeys(q: Queryable, orgId: string, limit = 100): Promise<any[]> {
  return q.query(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE organization_id = $1 ORDER BY created_at DESC, id LIMIT $2`, [orgId, limit]);
}

export async function getApiKey(q: Queryable, orgId: string, id: string): Promise<any | undefined> {
  const [row] = await q.query(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE organization_id = $1 AND id = $2`, [orgId, id]);
  return row;
}

export async function updateApiKey(
  q: Queryable,
  orgId: string,
  id: string,
  p: { name?: string; queues?: string[]; rateLimit?: number | null; isActive?: boolean },
): Promise<any | undefined> {
  const [row] = await q.query(
    `UPDATE api_keys SET
       name = COALESCE($3, name),
       queues = COALESCE($4::text[], queues),
       rate_limit = CASE WHEN $5::bool THEN $6::int ELSE rate_limit END,
       is_active = COALESCE($7::bool, is_active)
     WHERE organization_id = $1 AND id = $2 RETURNING ${API_KEY_COLUMNS}`,
    [orgId, id, p.name ?? null, p.queues ?? null, p.rateLimit !== undefined, p.rateLimit ?? null, p.isActive ?? null],
  );
  return row;
}

export async function revokeApiKey(q: Queryable, orgId: string, id: string): Promise<boolean> {
  const rows = await q.query("UPDATE api_keys SET is_active = false WHERE organization_id = $1 AND id = $2 RETURNING id", [orgId, id]);
  return rows.length > 0;
}

/** Active keys of an organization, oldest first (the synthesized member list). */
export async function listActiveApiKeys(q: Queryable, orgId: string): Promise<any[]> {
  return q.query(
    `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE organization_id = $1 AND is_active AND (expires_at IS NULL OR expires_at > now())
     ORDER BY created_at, id LIMIT 500`,
    [orgId],
  );
}
