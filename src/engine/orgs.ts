import { randomBytes } from "node:crypto";
import type { Engine, Principal } from "./context";
import { hasAllQueues } from "./context";
import { countUsage, usageInfo } from "./quotas";
import * as orgs from "../store/orgs";
import * as keys from "../store/api-keys";
import * as usage from "../store/usage";
import { conflict, forbidden, notFound } from "../domain/errors";
import { generateApiKey, generateWebhookToken, hashApiKey } from "../domain/credentials";
import { RESERVED_SLUGS, slugFromName, slugSchema } from "../domain/org-schemas";
import { iso } from "../domain/views";
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

// ---- an organization managing itself ---------------------------------------------------------------------

/** Changing or deleting the organization, or its webhook token, needs a key for all queues (an "owner" key). */
function assertOwner(p: Principal): void {
  if (!hasAllQueues(p)) throw forbidden("This action requires an API key with access to all queues");
}

/** The caller's own organization; any other id is reported as not found. */
export async function getOwnOrganization(e: Engine, p: Principal, id = p.orgId) {
  const org = id === p.orgId ? await orgs.getOrganization(e.db, p.orgId) : undefined;
  if (!org) throw notFound("Organization not found");
  return org;
}

export async function updateOwnOrganization(e: Engine, p: Principal, id: string, input: { name?: string; billing_email?: string | null; settings?: Record<string, unknown> }) {
  await getOwnOrganization(e, p, id);
  assertOwner(p);
  return e.db.transaction(async (tx) => {
    if (input.billing_email && (await orgs.billingEmailTaken(tx, input.billing_email, p.orgId))) throw conflict("An organization with this billing email already exists");
    const org = await orgs.updateOrganization(tx, p.orgId, { name: input.name, billingEmail: input.billing_email, settings: input.settings });
    if (!org) throw notFound("Organization not found");
    return org;
  });
}

/**
 * Deletes the organization and all its data, refused while work is active. The usage row and then the
 * organization row are locked first (the order job creation takes them), so no job can slip in meanwhile.
 */
export async function deleteOwnOrganization(e: Engine, p: Principal, id: string): Promise<void> {
  await getOwnOrganization(e, p, id);
  assertOwner(p);
  await e.db.transaction(async (tx) => {
    await usage.lockUsage(tx, p.orgId);
    if (!(await orgs.lockOrganization(tx, p.orgId))) throw notFound("Organization not found");
    const active = await usage.countActiveJobs(tx, p.orgId);
    if (active > 0) throw conflict(`Cannot delete organization with ${active} active jobs (pending, scheduled or processing)`);
    const workers = await usage.countActiveWorkers(tx, p.orgId);
    if (workers > 0) throw conflict(`Cannot delete organization with ${workers} active workers`);
    const schedules = await countUsage(tx, "schedules", p.orgId);
    if (schedules > 0) throw conflict(`Cannot delete organization with ${schedules} active schedules`);
    await orgs.deleteOrganization(tx, p.orgId);
  });
}

/** Members are synthesized from active API keys (there are no user accounts): owner = key for all queues. */
export async function members(e: Engine, p: Principal, id: string) {
  const org = await getOwnOrganization(e, p, id);
  const rows = await keys.listActiveApiKeys(e.db, p.orgId);
  return rows.map((k) => ({
    id: k.id,
    user_id: k.id,
    email: org.billing_email ?? "",
    name: k.name,
    role: (k.queues ?? []).includes("*") || (k.queues ?? []).length === 0 ? "owner" : "member",
    joined_at: iso(k.created_at),
    invited_by: null,
  }));
}

export async function ownUsage(e: Engine, p: Principal) {
  const org = await getOwnOrganization(e, p);
  return usageInfo(e, e.db, org);
}

// ---- the per-organization token for incoming custom webhooks (stored in settings.webhook_token) ----------

export async function webhookToken(e: Engine, p: Principal, id = p.orgId): Promise<string | null> {
  assertOwner(p);
  const org = await getOwnOrganization(e, p, id);
  return typeof org.settings?.webhook_token === "string" ? org.settings.webhook_token : null;
}

/** A new token replaces the old one at once (ingestion reads the row on every request). */
export async function rotateWebhookToken(e: Engine, p: Principal, id = p.orgId): Promise<string> {
  assertOwner(p);
  await getOwnOrganization(e, p, id);
  const token = generateWebhookToken();
  await orgs.setWebhookToken(e.db, p.orgId, token);
  return token;
}

export async function clearWebhookToken(e: Engine, p: Principal, id = p.orgId): Promise<void> {
  assertOwner(p);
  await getOwnOrganization(e, p, id);
  await orgs.setWebhookToken(e.db, p.orgId, null);
}

// ---- slugs --------------------------------------------------------------------------------------------------

const suffix = () => randomBytes(3).toString("hex");

export async function checkSlug(e: Engine, raw: string) {
  const slug = raw.trim().toLowerCase();
  const format = slugSchema.safeParse(slug);
  if (!format.success) {
    const message = format.error.issues[0]?.message ?? "invalid slug";
    if (message !== "slug is reserved") return { available: false, valid: false, error: message };
    return { available: false, valid: true, suggestion: `${slug}-${suffix()}` };
  }
  if (await orgs.slugTaken(e.db, slug)) return { available: false, valid: true, suggestion: `${slug}-${suffix()}` };
  return { available: true, valid: true };
}

export async function generateSlug(e: Engine, name: string) {
  let slug = slugFromName(name);
  if (slug.length < 3 || RESERVED_SLUGS.has(slug) || (await orgs.slugTaken(e.db, slug))) slug = `${slug.slice(0, 73)}-${suffix()}`;
  return { slug };
}

/** Whether an organization already uses this billing email (the public check-email probe). */
export const billingEmailRegistered = (e: Engine, email: string) => orgs.billingEmailTaken(e.db, email);
