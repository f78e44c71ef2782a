import type { JobRow } from "../store/jobs";
import type { DomainEvent, Engine, JobEvent, NewJobInfo, Principal } from "./context";
import { getJob } from "./jobs";
import * as store from "../store/outgoing-webhooks";
import { insertAttempt, listAttempts } from "../store/http-attempts";
import { badRequest, conflict, notFound } from "../domain/errors";
import type { CreateWebhookInput, UpdateWebhookInput } from "../domain/webhook-schemas";
import {
  AUTO_DISABLE_AFTER, domainNotificationData, invalidEventMessage, MAX_NOTIFICATION_ATTEMPTS, notificationRetryDelaySecs, jobNotificationData, jobNotificationName, notificationHeaders, unknownEvent, WEBHOOK_EVENTS,
} from "../domain/webhook-events";
import { checkTargetUrl, TargetRefused } from "../domain/ssrf";
import { DnsFailure, type AttemptOutcome } from "../domain/http-outcome";
import type { Queryable } from "../db/types";
import { enforceResourceLimit } from "./quotas";

function checkEvents(events: string[] | undefined): void {
  const bad = events && unknownEvent(events);
  if (bad !== undefined) throw badRequest(invalidEventMessage(bad));
}

/** The SSRF guard at creation: static checks, then (production) every address the name resolves to. */
async function checkUrl(e: Engine, url: string | undefined): Promise<void> {
  if (url === undefined) return;
  try {
    if (e.config.mode === "production" && e.outbound) await e.outbound.vet(url);
    else checkTargetUrl(url, e.config.mode);
  } catch (err) {
    if (err instanceof TargetRefused) throw badRequest(err.message);
    if (err instanceof DnsFailure) throw badRequest(`Invalid webhook URL: ${err.message}`);
    throw err;
  }
}

export async function createWebhook(e: Engine, p: Principal, input: CreateWebhookInput) {
  checkEvents(input.events);
  await checkUrl(e, input.url);
  const enabled = input.enabled ?? true;
  return e.db.transaction(async (tx) => {
    if (enabled) await enforceResourceLimit(e, tx, p.orgId, "webhooks");
    return store.insertWebhook(tx, p.orgId, {
      id: crypto.randomUUID(),
      name: input.name,
      url: input.url,
      events: [...new Set(input.events)],
      secret: input.secret ?? null,
      enabled,
    });
  });
}

export const listWebhooks = (e: Engine, p: Principal) => store.listWebhooks(e.db, p.orgId);

export async function getWebhook(e: Engine, p: Principal, id: string) {
  const row = await store.getWebhook(e.db, p.orgId, id);
  if (!row) throw notFound("Webhook not found");
  return row;
}

export async function updateWebhook(e: Engine, p: Principal, id: string, input: UpdateWebhookInput) {
  checkEvents(input.events);
  await checkUrl(e, input.url);
  return e.db.transaction(async (tx) => {
    const current = await store.getWebhook(tx, p.orgId, id);
    if (!current) throw notFound("Webhook not found");
    // Enabling counts against the plan's webhook cap, like creating one.
    if (input.enabled === true && !current.enabled) await enforceResourceLimit(e, tx, p.orgId, "webhooks");
    return store.updateWebhook(tx, p.orgId, id, { ...input, events: input.events && [...new Set(input.events)] });
  });
}

export async function deleteWebhook(e: Engine, p: Principal, id: string) {
  if (!(await store.deleteWebhook(e.db, p.orgId, id))) throw notFound("Webhook not found");
}

export async function listDeliveries(e: Engine, p: Principal, webhookId: string) {
  await getWebhook(e, p, webhookId);
  return store.listDeliveries(e.db, webhookId, 100);
}

async function getDelivery(e: Engine, p: Principal, webhookId: string, deliveryId: string) {
  await getWebhook(e, p, webhookId);
  const row = await store.getDelivery(e.db, webhookId, deliveryId);
  if (!row) throw notFound("Delivery not found");
  return row;
}

export async function retryDelivery(e: Engine, p: Principal, webhookId: string, deliveryId: string) {
  await getDelivery(e, p, webhookId, deliveryId);
  const row = await store.requeueDelivery(e.db, webhookId, deliveryId);
  if (!row) throw conflict("Delivery is already pending");
  e.outbound?.wake();
  return row;
}

export async function deliveryAttempts(e: Engine, p: Principal, webhookId: string, deliveryId: string) {
  await getDelivery(e, p, webhookId, deliveryId);
  return listAttempts(e.db, p.orgId, deliveryId, 1000);
}

/** One synchronous attempt with the contract's flat test body; always answers, never records a delivery. */
export async function testWebhook(e: Engine, p: Principal, id: string) {
  const hook = await getWebhook(e, p, id);
  const body = JSON.stringify({
    event: "webhook.test",
    webhook_id: hook.id,
    organization_id: p.orgId,
    timestamp: new Date().toISOString(),
    test: true,
    message: "This is a test delivery from Spindle",
  });
  if (!e.outbound) throw new Error("webhook tests need the webhooks feature");
  const o = await e.outbound.attempt({
    url: hook.url,
    method: "POST",
    headers: notificationHeaders("webhook.test", crypto.randomUUID(), 1, body, hook.secret),
    body,
    timeoutMs: e.config.webhooks.timeoutMs,
  });
  return {
    success: o.ok,
    status_code: o.status,
    response_time_ms: Math.round(o.latencyMs),
    error: o.ok ? null : o.status !== null ? `HTTP ${o.status}` : "Request failed",
  };
}

/** This node's adaptive delivery state per destination host of the caller's organization. */
export const deliveryHostStates = (e: Engine, p: Principal): object[] => e.outbound?.hostStates(p.orgId) ?? [];

/** engine.hooks.beforeTransition: whether anyone subscribed to the coming transition is asked ahead (store.prefetchSubscribers). */
export function prefetchJobSubscribers(tx: Queryable, transition: JobEvent, orgIds: readonly string[]): void {
  const name = jobNotificationName(transition);
  if (name && orgIds.length > 0) store.prefetchSubscribers(tx, name, orgIds);
}

/** engine.hooks.onTransition: announced job transitions become outbox rows in the same transaction. */
export async function recordJobNotifications(tx: Queryable, transition: JobEvent, jobs: JobRow[]): Promise<void> {
  const name = jobNotificationName(transition);
  if (!name) return;
  await store.enqueueDeliveries(tx, name, jobs.map((j) => ({ orgId: j.organization_id, data: () => jobNotificationData(name, j) })));
  if (name !== "job.completed") return;
  // Per-job completion callbacks ride the same outbox, dispatcher and retry policy as webhook deliveries.
  const callbacks = jobs.filter((j) => j.completion_webhook);
  await store.enqueueCompletionCallbacks(tx, name, callbacks.map((j) => ({ jobId: j.id, data: jobNotificationData(name, j) })));
}

/** engine.hooks.validateCreate: a completion callback URL passes the same SSRF guard as a webhook's URL. */
export function validateCompletionWebhooks(e: Engine) {
  return async (_orgId: string, jobs: readonly NewJobInfo[]) => {
    for (const job of jobs) if (job.completionWebhook) await checkUrl(e, job.completionWebhook);
  };
}

/** The completion callbacks of a job (normally one), each with every HTTP attempt it made. */
export async function completionCallbacks(e: Engine, p: Principal, jobId: string) {
  await getJob(e, p, jobId);
  const deliveries = await store.listCompletionCallbacks(e.db, p.orgId, jobId);
  return Promise.all(deliveries.map(async (d) => ({ delivery: d, attempts: await listAttempts(e.db, p.orgId, d.id, 1000) })));
}

const DOMAIN_EVENTS = new Set<string>(WEBHOOK_EVENTS.filter((n) => !n.startsWith("job.")));

/** engine.hooks.onEvent: queue, worker and schedule events of the contract become outbox rows. */
export async function recordDomainNotification(tx: Queryable, event: DomainEvent): Promise<void> {
  if (!DOMAIN_EVENTS.has(event.type)) return;
  const data = domainNotificationData(event.type, event.orgId, event.data);
  await store.enqueueDeliveries(tx, event.type, [{ orgId: event.orgId, data: () => data }]);
}

/**
 * Books one notification attempt in one transaction: the attempt row, the delivery's new state (success, retry
 * later, or failed for good) and, when the delivery ended, the webhook's failure streak and auto-disable.
 */
export async function finishNotificationAttempt(e: Engine, delivery: { id: string; webhook_id: string | null; organization_id: string; attempts: number }, o: AttemptOutcome): Promise<void> {
  const attempt = delivery.attempts + 1;
  const final = o.ok || attempt >= MAX_NOTIFICATION_ATTEMPTS || o.errorClass === "blocked";
  const backoff = notificationRetryDelaySecs(attempt, e.config.webhooks.retryBaseSecs);
  await e.db.transaction(async (tx) => {
    await insertAttempt(tx, delivery.organization_id, "webhook_delivery", delivery.id, attempt, o);
    const row = await store.recordDeliveryAttempt(tx, delivery.id, {
      status: o.ok ? "success" : final ? "failed" : "pending",
      statusCode: o.status,
      responseBody: o.bodyExcerpt?.slice(0, 1024) ?? null,
      error: o.ok ? null : o.error,
      retryDelaySecs: final ? null : Math.max(backoff, o.retryAfterSecs ?? 0),
    });
    // A completion callback has no webhook whose failure streak it could extend.
    if (row && final && delivery.webhook_id) await store.recordWebhookOutcome(tx, delivery.webhook_id, o.ok, AUTO_DISABLE_AFTER);
  });
}

export const postponeNotification = (e: Engine, deliveryId: string, delaySecs: number) => store.postponeDelivery(e.db, deliveryId, delaySecs);
export const claimNotifications = (e: Engine, limit: number, leaseSecs: number) => store.claimDueDeliveries(e.db, limit, leaseSecs);
