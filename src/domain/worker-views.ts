import { iso } from "./views";

export function workerView(r: any) {
  return {
    id: r.id,
    organization_id: r.organization_id,
    queue_name: r.queue_name,
    queue_names: r.queue_names ?? [r.queue_name],
    hostname: r.hostname,
    worker_type: r.worker_type ?? null,
    max_concurrency: r.max_concurrency,
    current_jobs: r.current_jobs,
    status: r.status,
    last_heartbeat: iso(r.last_heartbeat),
    metadata: r.metadata ?? {},
    version: r.version ?? null,
    registered_at: iso(r.registered_at),
    updated_at: iso(r.updated_at),
  };
}

export function workerSummaryView(r: any) {
  return {
    id: r.id,
    queue_name: r.queue_name,
    hostname: r.hostname,
    status: r.status,
    current_jobs: r.current_jobs,
    max_concurrency: r.max_concurrency,
    last_heartbeat: iso(r.last_heartbeat),
  };
}
