import type { Engine, Principal } from "./context";
import * as keys from "../store/api-keys";
import { hashApiKey, safeEqual } from "../domain/credentials";
import { unauthorized } from "../domain/errors";

/**
 * One lookup per digest at a time: callers arriving while it runs share its answer (32 workers on one key cost
 * one query per round trip, not 32 queued behind busy connections). A revocation is therefore seen at most one
 * lookup round trip later than by a lookup of the caller's own.
 */
function findKeyShared(e: Engine, digest: string): ReturnType<typeof keys.findActiveKeyByHash> {
  const inFlight = e.memory.keyLookups;
  const running = inFlight.get(digest) as ReturnType<typeof keys.findActiveKeyByHash> | undefined;
  if (running) return running;
  // The embedded database answers within the same turn of the event loop, so lookups would never overlap there:
  // start after the pending I/O (calls already received) has had its turn, and let those calls share this one.
  const started = e.db.kind === "pglite" ? new Promise<void>((resolve) => setImmediate(resolve)).then(() => keys.findActiveKeyByHash(e.db, digest)) : keys.findActiveKeyByHash(e.db, digest);
  const lookup = started.finally(() => inFlight.delete(digest));
  inFlight.set(digest, lookup);
  return lookup;
}

/** Resolves an API key to its principal: one indexed lookup, checked against revocation and expiry every time. */
export async function authenticateApiKey(e: Engine, rawKey: string): Promise<Principal> {
  const row = await findKeyShared(e, hashApiKey(rawKey));
  if (!row) throw unauthorized("Invalid API key");
  if (!row.last_used || Date.now() - new Date(row.last_used).getTime() > 60_000) {
    keys.touchApiKey(e.db, row.id).catch(() => {});
  }
  return { orgId: row.organization_id, apiKeyId: row.id, queues: row.queues ?? ["*"], planTier: row.plan_tier, rateLimit: row.rate_limit ?? null };
}

export function isAdminKey(e: Engine, presented: string | undefined | null): boolean {
  return !!e.config.adminApiKey && !!presented && safeEqual(presented, e.config.adminApiKey);
}

/** The principal of a bearer value: each credential resolver the features installed (JWT), then the API-key lookup. */
export async function resolvePrincipal(e: Engine, token: string): Promise<Principal> {
  for (const resolve of e.credentials) {
    const p = await resolve(e, token);
    if (p) return p;
  }
  return authenticateApiKey(e, token);
}
