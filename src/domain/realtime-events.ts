import { TERMINAL_STATUSES as TERMINAL } from "./job-states";
import { iso } from "./views";
/**
 * Where an event sits in the one event order of the database: its writing transaction's id (xid8, as a number),
 * then its row id. Rows with a txid below the oldest running transaction are final: no row can appear before them.
 */
export interface Position {
  tx: number;
  id: number;
}

/** One recorded event of either table, with what the wire needs from the job row and the job's previous event. */
export interface StoredEvent {
  source: "job" | "domain";
  id: number;
  tx: number;
  organization_id: string;
  queue_name: string | null;
  job_id: string | null;
  /** job_events.event, or domain_events.type */
  kind: string;
  status: string | null;
  old_status: string | null;
  worker_id: string | null;
  error: string | null;
  /** job_events.detail, or domain_events.data */
  data: any;
  created_at: Date;
  priority: number | null;
  retry_count: number | null;
  started_at: Date | null;
  completed_at: Date | null;
  result: unknown;
  /** Whether every transaction older than this row has finished (only the tailer's read computes it). */
  safe?: boolean;
}

/**
 * One event as it goes over SSE and WebSocket: `{type, data}` (contract realtime.md section 1). `id` and `pos` are
 * those of the stored row it came from (null for live-only events such as pings and periodic stats); one row can
 * give several wire events, and only the last one a subscriber receives carries the row's id on SSE.
 */
export interface WireEvent {
  id: number | null;
  pos: Position | null;
  orgId: string;
  queue: string | null;
  jobId: string | null;
  /** Dotted name used by the `events` filter and the SDK (`job.completed`). */
  name: string;
  /** `{"type":…,"data":…}` serialized once for every subscriber. */
  json: string;
}

/** Upstream PascalCase wire types and the SDK's dotted names for them. */
export const WIRE_TYPE_NAMES: Record<string, string> = {
  JobStatusChange: "job.status_changed",
  JobCreated: "job.created",
  JobCompleted: "job.completed",
  JobFailed: "job.failed",
  QueueStats: "queue.stats",
  WorkerHeartbeat: "worker.heartbeat",
  WorkerRegistered: "worker.registered",
  WorkerDeregistered: "worker.deregistered",
  SystemHealth: "system.health",
  Ping: "ping",
  Error: "error",
};

export const TERMINAL_STATUSES = new Set<string>(TERMINAL);


function make(type: string, data: Record<string, unknown>, at: { id: number | null; pos: Position | null; orgId: string; queue: string | null; jobId: string | null }): WireEvent {
  return { ...at, name: WIRE_TYPE_NAMES[type] ?? type, json: JSON.stringify({ type, data }) };
}

/** A live-only event (no id, not resumable): pings, periodic stats, health, errors. */
export function liveEvent(type: string, data: Record<string, unknown>, orgId = "", queue: string | null = null): WireEvent {
  return make(type, { ...data, timestamp: new Date().toISOString() }, { id: null, pos: null, orgId, queue, jobId: null });
}

const FAILED_ATTEMPT_KINDS = new Set(["failed", "deadlettered", "lease_expired"]);

function jobWireEvents(r: StoredEvent): WireEvent[] {
  const at = { id: r.id, pos: { tx: r.tx, id: r.id }, orgId: r.organization_id, queue: r.queue_name, jobId: r.job_id };
  const timestamp = iso(r.created_at);
  const base = { job_id: r.job_id, queue_name: r.queue_name };
  const oldStatus = r.old_status ?? "";
  const change = r.status !== null && r.status !== oldStatus
    ? [make("JobStatusChange", { ...base, old_status: oldStatus, new_status: r.status, timestamp }, at)]
    : [];
  switch (r.kind) {
    case "created":
      return [make("JobCreated", { ...base, priority: r.priority ?? 0, timestamp }, at), ...change];
    case "claimed":
      return [...change, make("job.started", { ...base, worker_id: r.worker_id, timestamp }, at)];
    case "completed": {
      const duration = r.started_at && r.completed_at ? Math.max(0, new Date(r.completed_at).getTime() - new Date(r.started_at).getTime()) : 0;
      return [...change, make("JobCompleted", { ...base, duration_ms: Math.round(duration), result: r.result ?? null, timestamp }, at)];
    }
    case "cancelled":
      return [...change, make("job.cancelled", { ...base, timestamp }, at)];
    default:
      // A release counts as a failed attempt when the worker was lost (the row then records the attempt count).
      if (FAILED_ATTEMPT_KINDS.has(r.kind) || (r.kind === "released" && typeof r.data?.retry_count === "number")) {
        const retryCount = typeof r.data?.retry_count === "number" ? r.data.retry_count : (r.retry_count ?? 0);
        return [...change, make("JobFailed", { ...base, error: r.error ?? "", retry_count: retryCount, timestamp }, at)];
      }
      return change;
  }
}

function domainWireEvent(r: StoredEvent): WireEvent {
  const at = { id: r.id, pos: { tx: r.tx, id: r.id }, orgId: r.organization_id, queue: r.queue_name, jobId: r.job_id };
  const d = r.data ?? {};
  const timestamp = iso(r.created_at);
  switch (r.kind) {
    case "worker.registered":
      return make("WorkerRegistered", { worker_id: d.worker_id, queue_name: d.queue_name, timestamp }, at);
    case "worker.deregistered":
      return make("WorkerDeregistered", { worker_id: d.worker_id, timestamp }, at);
    case "worker.heartbeat":
      return make("WorkerHeartbeat", { worker_id: d.worker_id, status: d.status, current_job_id: d.current_job_id ?? null, current_jobs: d.current_jobs ?? 0, timestamp }, at);
    default:
      // Spindle's own events go out under their dotted names, which the SDK dispatches unchanged.
      return make(r.kind, { ...d, timestamp }, at);
  }
}

/** The wire events one stored row stands for, in the order a subscriber receives them. */
export function toWireEvents(r: StoredEvent): WireEvent[] {
  return r.source === "job" ? jobWireEvents(r) : [domainWireEvent(r)];
}

export const positionAfter = (a: Position, b: Position) => a.tx > b.tx || (a.tx === b.tx && a.id > b.id);
export const laterOf = (a: Position, b: Position) => (positionAfter(a, b) ? a : b);

/** `events` query parameter: comma list of dotted names (case-insensitive) or `*`; absent or `*` means all. */
export function parseEventNames(raw: string | undefined | null): Set<string> | null {
  if (raw === undefined || raw === null || raw.trim() === "") return null;
  const names = raw.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  return names.length === 0 || names.includes("*") ? null : new Set(names);
}

/** What one subscriber may and wants to see. */
export interface EventFilter {
  orgId: string;
  /** Queue scope of the credential: null = every queue; events without a queue need an unscoped credential. */
  allowedQueues: Set<string> | null;
  queue?: string;
  jobId?: string;
  names: Set<string> | null;
}

export function accepts(f: EventFilter, e: WireEvent): boolean {
  if (e.orgId !== f.orgId) return false;
  if (f.allowedQueues && (e.queue === null || !f.allowedQueues.has(e.queue))) return false;
  if (f.queue !== undefined && e.queue !== f.queue) return false;
  if (f.jobId !== undefined && e.jobId !== f.jobId) return false;
  return f.names === null || f.names.has(e.name);
}

/** Credential scope as a set; `*` or an empty list means every queue. */
export const scopeOf = (queues: string[]) => (queues.length === 0 || queues.includes("*") ? null : new Set(queues));
