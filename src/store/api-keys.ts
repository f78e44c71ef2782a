import type { Queryable } from "../db/types";

export const API_KEY_COLUMNS = "id, organization_id, name, key_prefix, queues, rate_limit, is_active, created_at, last_used, expires_at";

/** An API key as API_KEY_COLUMNS reads it (never its hash). */
export type ApiKeyRow = {
  id: string;
  organization_id: string;
  name: string;
  key_prefix: string;
  queues: string[];
  rate_limit: number | null;
  is_active: boolean;
  created_at: Date;
  last_used: Date | null;
  expires_at: Date | null;
};

/** A live key found by its digest, with its organization's plan: what authentication needs. */
export type ActiveKeyRow = Pick<ApiKeyRow, "id" | "organization_id" | "name" | "queues" | "rate_limit" | "expires_at" | "last_used"> & { plan_tier: string };

export async function insertApiKey(
  q: Queryable,
  k: { id: string; orgId: string; name: string; keyHash: string; keyPrefix: string; queues: string[]; rateLimit: number | null; expiresAt: Date | null },
): Promise<ApiKeyRow> {
  const [row] = await q.query<ApiKeyRow>(
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
export async function findActiveKeyByHash(q: Queryable, keyHash: string): Promise<ActiveKeyRow | undefined> {
  const [row] = await q.query<ActiveKeyRow>(
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
export async function listApiKeys(q: Queryable, orgId: string, limit = 100): Promise<ApiKeyRow[]> {
  return q.query<ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE organization_id = $1 ORDER BY created_at DESC, id LIMIT $2`, [orgId, limit]);
}

export async function getApiKey(q: Queryable, orgId: string, id: string): Promise<ApiKeyRow | undefined> {
  const [row] = await q.query<ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE organization_id = $1 AND id = $2`, [orgId, id]);
  return row;
}

export async function updateApiKey(
  q: Queryable,
  orgId: string,
  id: string,
  p: { name?: string; queues?: string[]; rateLimit?: number | null; isActive?: boolean },
): Promise<ApiKeyRow | undefined> {
  const [row] = await q.query<ApiKeyRow>(
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
export async function listActiveApiKeys(q: Queryable, orgId: string): Promise<ApiKeyRow[]> {
  return q.query<ApiKeyRow>(
    `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE organization_id = $1 AND is_active AND (expires_at IS NULL OR expires_at > now())
     ORDER BY created_at, id LIMIT 500`,
    [orgId],
  );
}
