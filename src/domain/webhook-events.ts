import { spooledSignature } from "./signatures";

/** The contract's ten notification events (semantics.md §10). */
export const WEBHOOK_EVENTS = [
  "job.created", "job.started", "job.completed", "job.failed", "job.cancelled",
  "queue.paused", "queue.resumed", "worker.registered", "worker.deregistered", "schedule.triggered",
] as const;

/** Our opt-in extra (gaps.md E10): a failed attempt that will be retried. Only sent to webhooks that ask for it. */
export const EXTRA_WEBHOOK_EVENTS = ["job.retrying"] as const;

const KNOWN = new Set<string>([...WEBHOOK_EVENTS, ...EXTRA_WEBHOOK_EVENTS]);

/** The first unknown name, if any. */
export const unknownEvent = (events: string[]) => events.find((e) => !KNOWN.has(e));

export const invalidEventMessage = (name: string) => `Invalid event type: '${name}'. Valid types: ${[...WEBHOOK_EVENTS, ...EXTRA_WEBHOOK_EVENTS].join(", ")}`;

/** Job transitions that are announced, and the event name each becomes. */
const JOB_EVENT_NAMES: Record<string, string> = {
  created: "job.created",
  claimed: "job.started",
  completed: "job.completed",
  deadlettered: "job.failed",
  cancelled: "job.cancelled",
  failed: "job.retrying",
};

export const jobNotificationName = (transition: string): string | undefined => JOB_EVENT_NAMES[transition];

/** The `data` of a job notification, per the contract's table. */
export function jobNotificationData(name: string, job: any): Record<string, unknown> {
  const base = { job_id: job.id, queue_name: job.queue_name };
  switch (name) {
    case "job.created":
      return { ...base, priority: job.priority, status: job.status };
    case "job.started":
      return { ...base, worker_id: job.assigned_worker_id ?? null };
    case "job.completed":
      return { ...base, status: "completed", result: job.result ?? null };
    case "job.failed":
      return { ...base, status: job.status, error: job.last_error ?? null };
    case "job.cancelled":
      // Only pending and scheduled jobs can be cancelled; a future scheduled_at says which it was.
      return { ...base, status: "cancelled", old_status: job.scheduled_at && new Date(job.scheduled_at) > new Date(job.completed_at ?? Date.now()) ? "scheduled" : "pending" };
    default:
      return { ...base, status: job.status, error: job.last_error ?? null, retry_count: job.retry_count, next_attempt_at: job.scheduled_at ?? null };
  }
}

/** The `data` of a non-job notification; queue events keep upstream's shape (camelCase organizationId included). */
export function domainNotificationData(type: string, orgId: string, data: Record<string, unknown>): Record<string, unknown> {
  const timestamp = new Date().toISOString();
  if (type === "queue.paused") {
    return { event: type, organizationId: orgId, queue: { name: data.queue_name, paused: true, reason: data.reason ?? null }, timestamp };
  }
  if (type === "queue.resumed") return { event: type, organizationId: orgId, queue: { name: data.queue_name, resumed: true }, timestamp };
  return data;
}

export const MAX_NOTIFICATION_ATTEMPTS = 5;
export const AUTO_DISABLE_AFTER = 20;

/** Delay before notification attempt n+1 after attempt n failed: base·2^(n−1), capped at 32·base, ±20 % jitter. */
export function notificationRetryDelaySecs(attempt: number, baseSecs: number, random = Math.random): number {
  const exponential = Math.min(32 * baseSecs, baseSecs * 2 ** (attempt - 1));
  return exponential * (0.8 + 0.4 * random());
}

/** The contract's delivery headers; signed only when the webhook has a secret. */
export function notificationHeaders(event: string, deliveryId: string, attempt: number, body: string, secret: string | null): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    "content-type": "application/json",
    "user-agent": "Spooled-Webhook/1.0",
    "x-spooled-event": event,
    "x-spooled-delivery": deliveryId,
    "x-spooled-timestamp": String(timestamp),
    "x-spooled-delivery-attempt": String(attempt),
    ...(secret ? { "x-spooled-signature": spooledSignature(secret, timestamp, body) } : {}),
  };
}
