/** Wire shapes of jobs and queues, shared by every transport (snake_case, explicit nulls). */
const iso = (d: Date | string | null | undefined) => (d == null ? null : new Date(d).toISOString());

export function jobView(r: any) {
  return {
    id: r.id,
    organization_id: r.organization_id,
    queue_name: r.queue_name,
    status: r.status,
    payload: r.payload,
    result: r.result ?? null,
    retry_count: r.retry_count,
    max_retries: r.max_retries,
    last_error: r.last_error ?? null,
    created_at: iso(r.created_at),
    scheduled_at: iso(r.scheduled_at),
    started_at: iso(r.started_at),
    completed_at: iso(r.completed_at),
    expires_at: iso(r.expires_at),
    priority: r.priority,
    tags: r.tags ?? null,
    timeout_seconds: r.timeout_seconds,
    parent_job_id: r.parent_job_id ?? null,
    completion_webhook: r.completion_webhook ?? null,
    assigned_worker_id: r.assigned_worker_id ?? null,
    lease_id: r.lease_id ?? null,
    lease_expires_at: iso(r.lease_expires_at),
    idempotency_key: r.idempotency_key ?? null,
    updated_at: iso(r.updated_at),
    workflow_id: r.workflow_id ?? null,
    dependency_mode: r.dependency_mode ?? null,
    dependencies_met: r.dependencies_met ?? null,
  };
}

export function jobSummaryView(r: any) {
  const jobType = r.payload && typeof r.payload === "object" && typeof r.payload.job_type === "string" ? r.payload.job_type : "";
  return {
    id: r.id,
    queue_name: r.queue_name,
    status: r.status,
    priority: r.priority,
    retry_count: r.retry_count,
    attempt: r.retry_count,
    max_retries: r.max_retries,
    job_type: jobType,
    tags: r.tags ?? null,
    created_at: iso(r.created_at),
    scheduled_at: iso(r.scheduled_at),
    started_at: iso(r.started_at),
    completed_at: iso(r.completed_at),
  };
}

export function claimedJobView(r: any) {
  return {
    id: r.id,
    queue_name: r.queue_name,
    payload: r.payload,
    retry_count: r.retry_count,
    max_retries: r.max_retries,
    timeout_seconds: r.timeout_seconds,
    lease_expires_at: iso(r.lease_expires_at),
    lease_id: r.lease_id,
  };
}

export function jobEventView(r: any) {
  return {
    id: r.id,
    job_id: r.job_id,
    queue_name: r.queue_name,
    event: r.event,
    status: r.status,
    worker_id: r.worker_id ?? null,
    error: r.error ?? null,
    detail: r.detail ?? null,
    created_at: iso(r.created_at),
  };
}

/** A row of GET /queues. `name` repeats `queue_name`: Spooled's PHP SDK reads it from there (docs/compatibility.md). */
export function queueSummaryView(r: any) {
  return {
    queue_name: r.queue_name,
    name: r.queue_name,
    max_retries: r.max_retries,
    default_timeout: r.default_timeout,
    rate_limit: r.rate_limit ?? null,
    enabled: r.enabled,
  };
}

/** A QueueConfig body (get, config update): the summary plus identity, settings and times. */
export function queueConfigView(r: any) {
  return {
    id: r.id,
    organization_id: r.organization_id,
    ...queueSummaryView(r),
    settings: r.settings ?? {},
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

export { iso };
