/** Wire shapes of schedules and their runs (snake_case, explicit nulls). */
import { iso } from "./views";

export function scheduleView(s: any) {
  return {
    id: s.id,
    organization_id: s.organization_id,
    name: s.name,
    description: s.description ?? null,
    cron_expression: s.cron_expression,
    timezone: s.timezone,
    queue_name: s.queue_name,
    payload_template: s.payload_template,
    priority: s.priority,
    max_retries: s.max_retries,
    timeout_seconds: s.timeout_seconds,
    is_active: s.is_active,
    last_run_at: iso(s.last_run_at),
    next_run_at: iso(s.next_run_at),
    run_count: s.run_count,
    tags: s.tags ?? null,
    metadata: s.metadata ?? null,
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
    // Spindle's own policies (docs/schedules.md).
    catch_up: s.catch_up,
    catch_up_window_secs: s.catch_up_window_secs,
    overlap: s.overlap,
    jitter_secs: s.jitter_secs,
  };
}

/** A run; `scheduled_for` (the planned tick, null for manual triggers) and `trigger` are Spindle extras. */
export function scheduleRunView(r: any) {
  return {
    id: r.id,
    schedule_id: r.schedule_id,
    job_id: r.job_id ?? null,
    status: r.status,
    error_message: r.error_message ?? null,
    started_at: iso(r.started_at),
    completed_at: iso(r.completed_at),
    scheduled_for: iso(r.tick),
    trigger: r.tick ? "cron" : "manual",
  };
}
