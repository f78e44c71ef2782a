import type { Engine } from "./context";
import * as orgs from "../store/orgs";
import * as keys from "../store/api-keys";
import { conflict } from "../domain/errors";
import { generateApiKey, hashApiKey } from "../domain/credentials";
import type { Queryable } from "../db/types";

/** Issues a new API key; the raw key is returned once and only its digest is stored. */
export async function issueApiKey(
  e: Engine,
  tx: Queryable,
  orgId: string,
  k: { name: string; queues?: string[]; rateLimit?: number | null; expiresAt?: Date | null },
) {
  const raw = generateApiKey(e.config.mode);
  const row = await keys.insertApiKey(tx, {
    id: crypto.randomUUID(),
    orgId,
    name: k.name,
    keyHash: hashApiKey(raw),
    keyPrefix: raw.slice(0, 8),
    queues: k.queues?.length ? k.queues : ["*"],
    rateLimit: k.rateLimit ?? null,
    expiresAt: k.expiresAt ?? null,
  });
  return { row, key: raw };
}

/** Creates an organization and its first key in one transaction. */
export async function createOrganization(e: Engine, input: { name: string; slug: string; billing_email?: string | null; plan_tier?: string }) {
  return e.db.transaction(async (tx) => {
    if (await orgs.slugTaken(tx, input.slug)) throw conflict("Organization with this slug already exists");
    if (input.billing_email && (await orgs.billingEmailTaken(tx, input.billing_email))) throw conflict("An organization with this billing email already exists");
    const org = await orgs.insertOrganization(tx, {
      id: crypto.randomUUID(),
      name: input.name,
      slug: input.slug,
      billingEmail: input.billing_email ?? null,
      planTier: input.plan_tier ?? "free",
    });
    if (!org) throw conflict("Organization with this slug already exists");
    const { row, key } = await issueApiKey(e, tx, org.id, { name: "Initial Admin Key", queues: ["*"] });
    return { org, apiKey: { id: row.id, key, name: row.name, created_at: row.created_at } };
  });
}
