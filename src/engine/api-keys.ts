import type { Engine, Principal } from "./context";
import { canUseQueue, hasAllQueues } from "./context";
import { issueApiKey } from "./orgs";
import { enforceResourceLimit } from "./quotas";
import * as keys from "../store/api-keys";
import { forbidden, notFound } from "../domain/errors";

const ALL = ["*"];
const scopeOf = (queues: string[] | undefined) => (queues && queues.length ? queues : ALL);

/** A queue-scoped caller may only hand out (or manage) keys within its own scope: no escalation to "*". */
function assertWithinScope(p: Principal, queues: string[]): void {
  if (hasAllQueues(p)) return;
  if (queues.includes("*")) throw forbidden("A queue-scoped API key cannot grant access to all queues");
  const outside = queues.find((q) => !canUseQueue(p, q));
  if (outside) throw forbidden(`A queue-scoped API key cannot grant access to queue '${outside}'`);
}

export async function createKey(e: Engine, p: Principal, input: { name: string; queues?: string[]; rate_limit?: number | null; expires_at?: Date | null }) {
  const queues = scopeOf(input.queues);
  assertWithinScope(p, queues);
  return e.db.transaction(async (tx) => {
    await enforceResourceLimit(e, tx, p.orgId, "api_keys");
    return issueApiKey(e, tx, p.orgId, { name: input.name, queues, rateLimit: input.rate_limit ?? null, expiresAt: input.expires_at ?? null });
  });
}

export const listKeys = (e: Engine, p: Principal) => keys.listApiKeys(e.db, p.orgId);

export async function getKey(e: Engine, p: Principal, id: string) {
  const row = await keys.getApiKey(e.db, p.orgId, id);
  if (!row) throw notFound("API key not found");
  return row;
}

export async function updateKey(e: Engine, p: Principal, id: string, patch: { name?: string; queues?: string[]; rate_limit?: number | null; is_active?: boolean }) {
  const current = await getKey(e, p, id);
  assertWithinScope(p, current.queues);
  const queues = patch.queues === undefined ? undefined : scopeOf(patch.queues);
  if (queues) assertWithinScope(p, queues);
  const row = await keys.updateApiKey(e.db, p.orgId, id, { name: patch.name, queues, rateLimit: patch.rate_limit, isActive: patch.is_active });
  if (!row) throw notFound("API key not found");
  return row;
}

/** Revocation is a column every authentication reads (no cache): the very next request with the key fails. */
export async function revokeKey(e: Engine, p: Principal, id: string): Promise<void> {
  const current = await getKey(e, p, id);
  assertWithinScope(p, current.queues);
  if (!(await keys.revokeApiKey(e.db, p.orgId, id))) throw notFound("API key not found");
}
