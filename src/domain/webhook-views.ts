import { iso } from "./views";

/** Wire shapes of outgoing webhooks, their deliveries and HTTP attempts. The secret never leaves. */
export function webhookView(r: any) {
  return {
    id: r.id,
    organization_id: r.organization_id,
    name: r.name,
    url: r.url,
    events: r.events,
    enabled: r.enabled,
    failure_count: r.failure_count,
    last_triggered_at: iso(r.last_triggered_at),
    last_status: r.last_status ?? null,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

export function deliveryView(r: any) {
  return {
    id: r.id,
    webhook_id: r.webhook_id,
    event: r.event,
    payload: r.payload,
    status: r.status,
    status_code: r.status_code ?? null,
    response_body: r.response_body ?? null,
    error: r.error ?? null,
    attempts: r.attempts,
    created_at: iso(r.created_at),
    delivered_at: iso(r.delivered_at),
    next_attempt_at: r.status === "pending" ? iso(r.next_attempt_at) : null,
  };
}

export function attemptView(r: any) {
  return {
    attempt: r.attempt,
    started_at: iso(r.created_at),
    outcome: r.outcome,
    request: { method: r.method, url: r.url, headers: r.request_headers, target_address: r.target_address ?? null },
    response: r.response_status === null || r.response_status === undefined ? null : { status: r.response_status, headers: r.response_headers, body_excerpt: r.response_body_excerpt },
    latency_ms: Math.round(r.latency_ms * 10) / 10,
    error_class: r.error_class ?? null,
    error: r.error ?? null,
  };
}

export function signingSecretView(r: any) {
  return { id: r.id, queue_name: r.queue_name, secret: r.secret, created_at: iso(r.created_at), expires_at: iso(r.expires_at), active: r.active ?? true };
}
