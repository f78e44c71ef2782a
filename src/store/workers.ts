import type { Queryable } from "../db/types";

const WORKER_COLUMNS = `id, organization_id, queue_name, queue_names, hostname, worker_type, max_concurrency, current_jobs, status,
  last_heartbeat, metadata, version, registered_at, updated_at`;

/** A worker as WORKER_COLUMNS reads it. */
export type WorkerRow = {
  id: string;
  organization_id: string;
  queue_name: string;
  queue_names: string[];
  hostname: string;
  worker_type: string | null;
  max_concurrency: number;
  current_jobs: number;
  status: "healthy" | "degraded" | "draining" | "offline";
  last_heartbeat: Date;
  metadata: Record<string, unknown>;
  version: string | null;
  registered_at: Date;
  updated_at: Date;
};

export interface WorkerRegistration {
  id: string;
  queueName: string;
  queueNames: string[];
  hostname: string;
  workerType: string | null;
  maxConcurrency: number;
  metadata: Record<string, unknown>;
  version: string | null;
}

/** Registers a worker, or re-registers one of the same organization under the same id (stable worker ids). */
export async function upsertWorker(q: Queryable, orgId: string, w: WorkerRegistration): Promise<WorkerRow | undefined> {
  const [row] = await q.query<WorkerRow>(
    `INSERT INTO workers AS w (id, organization_id, queue_name, queue_names, hostname, worker_type, max_concurrency, metadata, version)
     VALUES ($1, $2, $3, $4::text[], $5, $6, $7::int, $8::text::jsonb, $9)
     ON CONFLICT (id) DO UPDATE SET queue_name = EXCLUDED.queue_name, queue_names = EXCLUDED.queue_names,
       hostname = EXCLUDED.hostname, worker_type = EXCLUDED.worker_type, max_concurrency = EXCLUDED.max_concurrency,
       metadata = EXCLUDED.metadata, version = EXCLUDED.version, status = 'healthy', current_jobs = 0,
       last_heartbeat = now(), updated_at = now()
     WHERE w.organization_id = EXCLUDED.organization_id
     RETURNING ${WORKER_COLUMNS}`,
    [w.id, orgId, w.queueName, w.queueNames, w.hostname, w.workerType, w.maxConcurrency, JSON.stringify(w.metadata), w.version],
  );
  return row;
}

export async function getWorker(q: Queryable, orgId: string, id: string): Promise<WorkerRow | undefined> {
  const [row] = await q.query<WorkerRow>(`SELECT ${WORKER_COLUMNS} FROM workers WHERE organization_id = $1 AND id = $2`, [orgId, id]);
  return row;
}

export async function listWorkers(q: Queryable, orgId: string, limit = 100): Promise<WorkerRow[]> {
  return q.query<WorkerRow>(`SELECT ${WORKER_COLUMNS} FROM workers WHERE organization_id = $1 ORDER BY last_heartbeat DESC LIMIT $2`, [orgId, limit]);
}

export async function recordHeartbeat(
  q: Queryable,
  orgId: string,
  id: string,
  h: { currentJobs: number; status: string; metadata?: Record<string, unknown> },
): Promise<WorkerRow | undefined> {
  const [row] = await q.query<WorkerRow>(
    `UPDATE workers SET last_heartbeat = now(), current_jobs = $3::int, status = $4,
            metadata = COALESCE($5::text::jsonb, metadata), updated_at = now()
     WHERE organization_id = $1 AND id = $2 RETURNING ${WORKER_COLUMNS}`,
    [orgId, id, h.currentJobs, h.status, h.metadata ? JSON.stringify(h.metadata) : null],
  );
  return row;
}

export async function markOffline(q: Queryable, orgId: string, id: string): Promise<WorkerRow | undefined> {
  const [row] = await q.query<WorkerRow>(
    `UPDATE workers SET status = 'offline', current_jobs = 0, updated_at = now() WHERE organization_id = $1 AND id = $2 RETURNING ${WORKER_COLUMNS}`,
    [orgId, id],
  );
  return row;
}

/** Workers silent for degradedSecs become degraded; silent for offlineSecs become offline. Returns both sets. */
export async function sweepSilentWorkers(q: Queryable, degradedSecs: number, offlineSecs: number): Promise<{ degraded: WorkerRow[]; offline: WorkerRow[] }> {
  const degraded = await q.query<WorkerRow>(
    `UPDATE workers SET status = 'degraded', updated_at = now()
     WHERE status IN ('healthy', 'draining') AND last_heartbeat < now() - make_interval(secs => $1::float8)
       AND last_heartbeat >= now() - make_interval(secs => $2::float8)
     RETURNING ${WORKER_COLUMNS}`,
    [degradedSecs, offlineSecs],
  );
  const offline = await q.query<WorkerRow>(
    `WITH silent AS (
       SELECT id FROM workers WHERE status <> 'offline' AND last_heartbeat < now() - make_interval(secs => $1::float8)
       FOR UPDATE SKIP LOCKED
     )
     UPDATE workers w SET status = 'offline', current_jobs = 0, updated_at = now() FROM silent WHERE w.id = silent.id
     RETURNING ${WORKER_COLUMNS.replace(/(\w+)/g, "w.$1")}`,
    [offlineSecs],
  );
  return { degraded, offline };
}

/** Healthy workers serving a queue (by their main queue or their queue list). */
export async function countActiveWorkers(q: Queryable, orgId: string, queueName: string): Promise<number> {
  const [row] = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM workers WHERE organization_id = $1 AND status = 'healthy' AND (queue_name = $2 OR $2 = ANY(queue_names))`,
    [orgId, queueName],
  );
  return row?.n ?? 0;
}
