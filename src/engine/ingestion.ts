import type { OrganizationRow } from "../store/orgs";
import { internalPrincipal, type Engine } from "./context";
import { createJob, getJob } from "./jobs";
import { getOrganization } from "../store/orgs";
import { badRequest, notFound, unauthorized } from "../domain/errors";
import { safeEqual } from "../domain/credentials";
import { githubSignatureValid, stripeSignatureValid } from "../domain/signatures";
import { parseInput, parseJsonText } from "../domain/validate";
import { customIngestSchema } from "../domain/webhook-schemas";

/**
 * Incoming webhooks (contract §12) become jobs. Every check happens before anything is written, so a request
 * with a bad token or signature stores nothing.
 */
export interface IngestRequest {
  orgId: string;
  /** Header lookup, case-insensitive. */
  header: (name: string) => string | undefined;
}

export interface IngestedJob {
  job_id: string;
  queue_name: string;
  status: string;
}

/** The org must exist; production wants https at the proxy; the org's webhook token, when set, must match. */
async function admit(e: Engine, r: IngestRequest, requireToken: boolean): Promise<OrganizationRow> {
  const org = await getOrganization(e.db, r.orgId);
  if (!org) throw notFound("Organization not found");
  if (e.config.mode === "production" && r.header("x-forwarded-proto")?.toLowerCase() !== "https") {
    throw badRequest("HTTPS is required for webhooks in production");
  }
  const token = typeof org.settings?.webhook_token === "string" ? org.settings.webhook_token : null;
  if (token) {
    const presented = r.header("x-webhook-token");
    if (!presented || !safeEqual(presented, token)) throw unauthorized("Invalid webhook token");
  } else if (requireToken) {
    throw unauthorized("Custom webhook ingestion needs a webhook token: create one with POST /api/v1/organizations/{id}/webhook-token");
  }
  return org;
}

async function enqueue(e: Engine, org: OrganizationRow, job: { queue_name: string; payload: unknown; idempotency_key?: string | null; priority?: number; tags?: unknown }): Promise<IngestedJob> {
  const p = internalPrincipal(org.id, org.plan_tier);
  const { id, created } = await createJob(e, p, { ...job, idempotency_key: job.idempotency_key ?? undefined });
  const status = created ? "pending" : (await getJob(e, p, id)).status;
  return { job_id: id, queue_name: job.queue_name, status };
}

/** The body is validated only after the caller is admitted, so strangers learn nothing from validation errors. */
export async function ingestCustom(e: Engine, r: IngestRequest, raw: Buffer): Promise<IngestedJob> {
  const org = await admit(e, r, e.config.mode === "production");
  const body = parseInput(customIngestSchema, raw.toString("utf8").trim() === "" ? {} : parseJsonBody(raw));
  return enqueue(e, org, {
    queue_name: body.queue_name,
    payload: body.payload,
    idempotency_key: body.idempotency_key,
    priority: body.priority,
    tags: { source: "custom", ...(body.event_type ? { event_type: body.event_type } : {}) },
  });
}

/**
 * Per-org secret (organization settings) first, then the server-wide one. Neither configured is the operator's
 * setup, not an outage: 404 saying what to configure, so that monitoring does not page on it.
 */
function sourceSecret(org: OrganizationRow, settingsKey: string, serverWide: string | undefined, source: string, envName: string): string {
  const own = org.settings?.[settingsKey];
  const secret = typeof own === "string" && own ? own : serverWide;
  if (!secret) {
    throw notFound(`${source} webhook ingestion is not configured: set the organization setting ${settingsKey} or the server's ${envName}`);
  }
  return secret;
}

const parseJsonBody = (raw: Buffer): unknown => parseJsonText(raw.toString("utf8"));

export async function ingestGithub(e: Engine, r: IngestRequest, raw: Buffer): Promise<IngestedJob> {
  const org = await admit(e, r, false);
  const secret = sourceSecret(org, "github_webhook_secret", e.config.webhooks.githubSecret, "GitHub", "GITHUB_WEBHOOK_SECRET");
  if (!githubSignatureValid(secret, raw, r.header("x-hub-signature-256"))) throw unauthorized("Invalid GitHub signature");
  const event = r.header("x-github-event");
  if (!event) throw badRequest("X-GitHub-Event header is required");
  const delivery = r.header("x-github-delivery");
  return enqueue(e, org, {
    queue_name: `github-${event.replace(/[^A-Za-z0-9_-]/g, "-")}`.slice(0, 64),
    payload: parseJsonBody(raw),
    idempotency_key: delivery ? `github:${delivery}`.slice(0, 255) : null,
    tags: { source: "github", event_type: event.slice(0, 100) },
  });
}

export async function ingestStripe(e: Engine, r: IngestRequest, raw: Buffer): Promise<IngestedJob> {
  const org = await admit(e, r, false);
  const secret = sourceSecret(org, "stripe_webhook_secret", e.config.webhooks.stripeSecret, "Stripe", "STRIPE_WEBHOOK_SECRET");
  if (!stripeSignatureValid(secret, raw, r.header("stripe-signature"), Math.floor(Date.now() / 1000))) throw unauthorized("Invalid Stripe signature");
  const event = parseJsonBody(raw) as { type?: unknown; id?: unknown; data?: { object?: unknown } } | null;
  if (typeof event?.type !== "string" || typeof event?.id !== "string") throw badRequest("Stripe event must have string id and type");
  return enqueue(e, org, {
    queue_name: `stripe-${event.type.replace(/\./g, "-").replace(/[^A-Za-z0-9_-]/g, "-")}`.slice(0, 100),
    payload: event.data?.object ?? null,
    idempotency_key: event.id.slice(0, 255),
    tags: { source: "stripe", event_type: event.type.slice(0, 100) },
  });
}
