import type { Queryable } from "../db/types";

/** The key behind a JWT, with its organization's plan and whether the token was logged out. */
export type TokenKeyRow = { id: string; organization_id: string; queues: string[]; rate_limit: number | null; plan_tier: string; revoked: boolean };

/**
 * The per-request check of a JWT: its key must still be active and unexpired, its organization not deleted,
 * and the token not logged out. One indexed lookup, no cache, so revocation is seen by every node at once.
 */
export async function findTokenKey(q: Queryable, apiKeyId: string, jti: string): Promise<TokenKeyRow | undefined> {
  const [row] = await q.query<TokenKeyRow>(
    `SELECT k.id, k.organization_id, k.queues, k.rate_limit, o.plan_tier,
            EXISTS (SELECT 1 FROM jwt_denylist d WHERE d.jti = $2) AS revoked
     FROM api_keys k JOIN organizations o ON o.id = k.organization_id
     WHERE k.id = $1 AND k.is_active AND (k.expires_at IS NULL OR k.expires_at > now()) AND o.plan_tier <> 'deleted'`,
    [apiKeyId, jti],
  );
  return row;
}

export async function isTokenRevoked(q: Queryable, jti: string): Promise<boolean> {
  return (await q.query("SELECT 1 FROM jwt_denylist WHERE jti = $1", [jti])).length > 0;
}

export async function denyToken(q: Queryable, jti: string, expiresAt: Date): Promise<void> {
  await q.query("INSERT INTO jwt_denylist (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING", [jti, expiresAt.toISOString()]);
}

/** Entries whose token has expired anyway are useless; a bounded batch per pass. */
export async function pruneDenylist(q: Queryable, batch = 5000): Promise<number> {
  const rows = await q.query(
    "DELETE FROM jwt_denylist WHERE jti IN (SELECT jti FROM jwt_denylist WHERE expires_at < now() LIMIT $1) RETURNING jti",
    [batch],
  );
  return rows.length;
}

/** Returns the stored secret, storing `candidate` first if none exists yet (the first node to start wins). */
export async function ensureServerSecret(q: Queryable, name: string, candidate: string): Promise<string> {
  await q.query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [name, candidate]);
  const [row] = await q.query<{ value: string }>("SELECT value FROM server_secrets WHERE name = $1", [name]);
  return row!.value;
}
