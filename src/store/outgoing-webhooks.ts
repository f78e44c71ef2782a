import { isTransaction, type Queryable } from "../db/types";

const WEBHOOK_COLUMNS = "id, organization_id, name, url, events, secret, enabled, failure_count, last_triggered_at, last_status, created_at, updated_at";
const DELIVERY_COLUMNS = "id, webhook_id, organization_id, event, payload, status, status_code, response_body, error, attempts, created_at, delivered_at, next_attempt_at";

/** An outgoing webhook as WEBHOOK_COLUMNS reads it. */
export type WebhookRow = {
  id: string;
  organization_id: string;
  name: string;
  url: string;
  events: string[];
  secret: string | null;
  enabled: boolean;
  failure_count: number;
  last_triggered_at: Date | null;
  last_status: string | null;
  created_at: Date;
  updated_at: Date;
};

/** One notification (or completion callback) of the outbox, as DELIVERY_COLUMNS reads it. */
export type DeliveryRow = {
  id: string;
  /** null for a job's completion callback. */
  webhook_id: string | null;
  organization_id: string;
  event: string;
  payload: unknown;
  status: "pending" | "success" | "failed";
  status_code: number | null;
  response_body: string | null;
  error: string | null;
  attempts: number;
  created_at: Date;
  delivered_at: Date | null;
  next_attempt_at: Date;
};

/** A delivery leased to a dispatcher, with its target and signing secret resolved. */
export type ClaimedDeliveryRow = Pick<DeliveryRow, "id" | "webhook_id" | "organization_id" | "event" | "payload" | "attempts"> & {
  job_id: string | null;
  url: string;
  secret: string | null;
};

export interface WebhookFields {
  name?: string;
  url?: string;
  events?: string[];
  /** undefined = keep, null = clear. */
  secret?: string | null;
  enabled?: boolean;
}

export async function insertWebhook(q: Queryable, orgId: string, w: Required<WebhookFields> & { id: string }): Promise<WebhookRow> {
  const [row] = await q.query<WebhookRow>(
    `INSERT INTO outgoing_webhooks (id, organization_id, name, url, events, secret, enabled)
     VALUES ($1, $2, $3, $4, $5::text[], $6, $7::bool) RETURNING ${WEBHOOK_COLUMNS}`,
    [w.id, orgId, w.name, w.url, w.events, w.secret, w.enabled],
  );
  return row;
}

export async function listWebhooks(q: Queryable, orgId: string): Promise<WebhookRow[]> {
  return q.query<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM outgoing_webhooks WHERE organization_id = $1 ORDER BY created_at DESC, id`, [orgId]);
}

export async function getWebhook(q: Queryable, orgId: string, id: string): Promise<WebhookRow | undefined> {
  const [row] = await q.query<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM outgoing_webhooks WHERE organization_id = $1 AND id = $2`, [orgId, id]);
  return row;
}

/** Re-enabling clears the failure streak, so an auto-disabled webhook gets a fresh run of 20. */
export async function updateWebhook(q: Queryable, orgId: string, id: string, f: WebhookFields): Promise<WebhookRow | undefined> {
  const [row] = await q.query<WebhookRow>(
    `UPDATE outgoing_webhooks SET
       name = COALESCE($3, name), url = COALESCE($4, url), events = COALESCE($5::text[], events),
       secret = CASE WHEN $6::bool THEN $7 ELSE secret END,
       enabled = COALESCE($8::bool, enabled),
       failure_count = CASE WHEN $8::bool AND NOT enabled THEN 0 ELSE failure_count END,
       updated_at = now()
     WHERE organization_id = $1 AND id = $2 RETURNING ${WEBHOOK_COLUMNS}`,
    [orgId, id, f.name ?? null, f.url ?? null, f.events ?? null, f.secret !== undefined, f.secret ?? null, f.enabled ?? null],
  );
  return row;
}

export async function deleteWebhook(q: Queryable, orgId: string, id: string): Promise<boolean> {
  return (await q.query("DELETE FROM outgoing_webhooks WHERE organization_id = $1 AND id = $2 RETURNING id", [orgId, id])).length > 0;
}

/** The contract's delivery body `{id, event, created_at, data}`, built from a CTE's id, event and data columns. */
const ENVELOPE = `jsonb_build_object('id', id, 'event', event,
  'created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'data', data)`;

/**
 * The outbox write: one delivery per enabled webhook subscribed to `event`, for each (org, data) item, in the
 * caller's transaction. The insert runs only when someone subscribed: the outbox's statement trigger NOTIFYs
 * every node even for an insert of no rows, and this runs for every job transition. Each item's data is only
 * built then.
 */
export async function enqueueDeliveries(q: Queryable, event: string, items: { orgId: string; data: () => unknown }[]): Promise<number> {
  if (items.length === 0) return 0;
  if (!(await anySubscriber(q, event, [...new Set(items.map((i) => i.orgId))]))) return 0;
  const rows = await q.query(
    `WITH input AS (
       SELECT * FROM unnest($2::text[], $3::text[]) AS t(organization_id, data)
     ), targets AS (
       SELECT gen_random_uuid()::text AS id, w.id AS webhook_id, w.organization_id, $1::text AS event, i.data::jsonb AS data
       FROM input i JOIN outgoing_webhooks w ON w.organization_id = i.organization_id
       WHERE w.enabled AND $1 = ANY(w.events)
     )
     INSERT INTO outgoing_webhook_deliveries (id, webhook_id, organization_id, event, payload)
     SELECT id, webhook_id, organization_id, event, ${ENVELOPE}
     FROM targets RETURNING id`,
    [event, items.map((i) => i.orgId), items.map((i) => JSON.stringify(i.data()))],
  );
  return rows.length;
}

/** Subscription checks sent ahead within a transaction (prefetchSubscribers), by transaction, then by event and organizations. */
const prefetched = new WeakMap<Queryable, Map<string, Promise<boolean>>>();
const subscriptionKey = (event: string, orgIds: readonly string[]) => `${event} ${[...orgIds].sort().join(" ")}`;

function querySubscriber(q: Queryable, event: string, orgIds: readonly string[]): Promise<boolean> {
  return q
    .query<{ any: boolean }>("SELECT EXISTS (SELECT 1 FROM outgoing_webhooks WHERE organization_id = ANY($2::text[]) AND enabled AND $1 = ANY(events)) AS any", [event, orgIds])
    .then(([row]) => !!row?.any);
}

/** Whether an enabled webhook of these organizations subscribes to event; answered from a prefetch when tx sent one. */
function anySubscriber(q: Queryable, event: string, orgIds: readonly string[]): Promise<boolean> {
  return prefetched.get(q)?.get(subscriptionKey(event, orgIds)) ?? querySubscriber(q, event, orgIds);
}

/**
 * Sends the subscription check of a transition about to happen in transaction tx, without waiting for it, so that it
 * shares the round trip of the transition's own statement; enqueueDeliveries later in tx reads its answer.
 */
export function prefetchSubscribers(tx: Queryable, event: string, orgIds: readonly string[]): void {
  // Outside a transaction an answer would be kept for good.
  if (!isTransaction(tx)) return;
  const key = subscriptionKey(event, orgIds);
  const checks = prefetched.get(tx) ?? prefetched.set(tx, new Map()).get(tx)!;
  if (checks.has(key)) return;
  const answer = querySubscriber(tx, event, orgIds);
  // A failure aborts the transaction, so its next statement fails too; whoever reads the answer sees this one.
  answer.catch(() => {});
  checks.set(key, answer);
}

/**
 * The outbox write of per-job completion callbacks: one delivery per job, to the job's own URL, signed with the
 * job's own secret (read here, in SQL, so that it never travels through job rows). In the caller's transaction.
 */
export async function enqueueCompletionCallbacks(q: Queryable, event: string, items: { jobId: string; data: unknown }[]): Promise<number> {
  if (items.length === 0) return 0;
  const rows = await q.query(
    `WITH input AS (
       SELECT * FROM unnest($2::text[], $3::text[]) AS t(job_id, data)
     ), targets AS (
       SELECT gen_random_uuid()::text AS id, j.organization_id, j.id AS job_id, j.completion_webhook AS target_url,
              j.completion_webhook_secret AS secret, $1::text AS event, i.data::jsonb AS data
       FROM input i JOIN jobs j ON j.id = i.job_id
       WHERE j.completion_webhook IS NOT NULL
     )
     INSERT INTO outgoing_webhook_deliveries (id, webhook_id, organization_id, event, payload, job_id, target_url, secret)
     SELECT id, NULL, organization_id, event, ${ENVELOPE}, job_id, target_url, secret
     FROM targets RETURNING id`,
    [event, items.map((i) => i.jobId), items.map((i) => JSON.stringify(i.data))],
  );
  return rows.length;
}

/**
 * Leases due deliveries of enabled webhooks and completion callbacks to this dispatcher (SKIP LOCKED; an expired
 * lease is taken over). A callback has no webhook: its own target and secret stand in for the webhook's.
 */
export async function claimDueDeliveries(q: Queryable, limit: number, leaseSecs: number): Promise<ClaimedDeliveryRow[]> {
  return q.query<ClaimedDeliveryRow>(
    `WITH due AS (
       SELECT d.id FROM outgoing_webhook_deliveries d LEFT JOIN outgoing_webhooks w ON w.id = d.webhook_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.locked_until IS NULL OR d.locked_until < now())
         AND (d.webhook_id IS NULL OR w.enabled)
       ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED
     ), claimed AS (
       UPDATE outgoing_webhook_deliveries d SET locked_until = now() + make_interval(secs => $2::float8)
       FROM due WHERE d.id = due.id
       RETURNING d.id, d.webhook_id, d.job_id, d.organization_id, d.event, d.payload, d.attempts, d.target_url, d.secret
     )
     SELECT c.id, c.webhook_id, c.job_id, c.organization_id, c.event, c.payload, c.attempts,
            COALESCE(c.target_url, w.url) AS url, CASE WHEN c.webhook_id IS NULL THEN c.secret ELSE w.secret END AS secret
     FROM claimed c LEFT JOIN outgoing_webhooks w ON w.id = c.webhook_id`,
    [limit, leaseSecs],
  );
}

/** The destination could not take the request now: try again later without counting an attempt. */
export async function postponeDelivery(q: Queryable, id: string, delaySecs: number): Promise<void> {
  await q.query(
    "UPDATE outgoing_webhook_deliveries SET next_attempt_at = now() + make_interval(secs => $2::float8), locked_until = NULL WHERE id = $1",
    [id, delaySecs],
  );
}

export interface AttemptResult {
  status: "success" | "pending" | "failed";
  statusCode: number | null;
  responseBody: string | null;
  error: string | null;
  retryDelaySecs: number | null;
}

/** Records the outcome of an attempt on the delivery row. */
export async function recordDeliveryAttempt(q: Queryable, id: string, r: AttemptResult): Promise<DeliveryRow | undefined> {
  const [row] = await q.query<DeliveryRow>(
    `UPDATE outgoing_webhook_deliveries SET status = $2, status_code = $3, response_body = $4, error = $5, attempts = attempts + 1,
       delivered_at = CASE WHEN $2 = 'success' THEN now() ELSE delivered_at END,
       next_attempt_at = CASE WHEN $6::float8 IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => $6::float8) END,
       locked_until = NULL
     WHERE id = $1 AND status = 'pending' RETURNING ${DELIVERY_COLUMNS}`,
    [id, r.status, r.statusCode, r.responseBody, r.error, r.retryDelaySecs],
  );
  return row;
}

/**
 * A delivery ended: success resets the failure streak; a failed delivery extends it and the webhook disables
 * itself when the streak reaches `disableAfter`.
 */
export async function recordWebhookOutcome(q: Queryable, webhookId: string, success: boolean, disableAfter: number): Promise<WebhookRow | undefined> {
  const [row] = await q.query<WebhookRow>(
    `UPDATE outgoing_webhooks SET
       last_triggered_at = now(),
       failure_count = CASE WHEN $2::bool THEN 0 ELSE failure_count + 1 END,
       enabled = CASE WHEN NOT $2::bool AND failure_count + 1 >= $3::int THEN false ELSE enabled END,
       last_status = CASE WHEN $2::bool THEN 'success' WHEN failure_count + 1 >= $3::int THEN 'auto_disabled' ELSE 'failed' END,
       updated_at = now()
     WHERE id = $1 RETURNING ${WEBHOOK_COLUMNS}`,
    [webhookId, success, disableAfter],
  );
  return row;
}

export async function listDeliveries(q: Queryable, webhookId: string, limit: number): Promise<DeliveryRow[]> {
  return q.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM outgoing_webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id LIMIT $2`, [webhookId, limit]);
}

/** A job's completion callbacks, newest first. */
export async function listCompletionCallbacks(q: Queryable, orgId: string, jobId: string): Promise<DeliveryRow[]> {
  return q.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM outgoing_webhook_deliveries WHERE organization_id = $1 AND job_id = $2 AND webhook_id IS NULL
     ORDER BY created_at DESC, id`,
    [orgId, jobId],
  );
}

export async function getDelivery(q: Queryable, webhookId: string, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await q.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM outgoing_webhook_deliveries WHERE webhook_id = $1 AND id = $2`, [webhookId, id]);
  return row;
}

/** A finished delivery gets a fresh run of attempts, due now. */
export async function requeueDelivery(q: Queryable, webhookId: string, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await q.query<DeliveryRow>(
    `UPDATE outgoing_webhook_deliveries SET status = 'pending', attempts = 0, error = NULL, next_attempt_at = now(), locked_until = NULL
     WHERE webhook_id = $1 AND id = $2 AND status <> 'pending' RETURNING ${DELIVERY_COLUMNS}`,
    [webhookId, id],
  );
  return row;
}

/** Enabled webhooks of an organization (the plan's max_webhooks counts these). */
export async function countEnabledWebhooks(q: Queryable, orgId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM outgoing_webhooks WHERE organization_id = $1 AND enabled", [orgId]);
  return row?.n ?? 0;
}
