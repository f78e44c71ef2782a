import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { JobSchema, JobStatus, type Job } from "../../gen/spooled/v1/job_pb";

const STATUS: Record<string, JobStatus> = {
  pending: JobStatus.PENDING,
  scheduled: JobStatus.SCHEDULED,
  processing: JobStatus.PROCESSING,
  completed: JobStatus.COMPLETED,
  failed: JobStatus.FAILED,
  deadletter: JobStatus.DEADLETTER,
  cancelled: JobStatus.CANCELLED,
};

export const timestampOf = (value: Date | string | null | undefined): Timestamp | undefined =>
  value == null ? undefined : timestampFromDate(new Date(value));

/** A proto Timestamp as RFC 3339 text for the REST schemas; an unrepresentable one stays invalid so they reject it. */
export function rfc3339Of(ts: Timestamp | undefined): string | undefined {
  if (!ts) return undefined;
  const date = timestampDate(ts);
  return Number.isNaN(date.getTime()) ? "invalid timestamp" : date.toISOString();
}

/** Struct fields carry JSON objects only; a scalar or array payload (possible over REST) travels as {"value": ...}. */
function structOf(value: unknown): JsonObject | undefined {
  if (value == null) return undefined;
  if (typeof value === "object" && !Array.isArray(value)) return value as JsonObject;
  return { value } as unknown as JsonObject;
}

/** A job row as the wire Job: unset timestamps/result for nulls, "" for absent strings. */
export function jobMessage(r: any): Job {
  return create(JobSchema, {
    id: r.id,
    organizationId: r.organization_id,
    queueName: r.queue_name,
    status: STATUS[r.status] ?? JobStatus.UNSPECIFIED,
    payload: structOf(r.payload) ?? {},
    result: structOf(r.result),
    retryCount: r.retry_count,
    maxRetries: r.max_retries,
    lastError: r.last_error ?? "",
    priority: r.priority,
    timeoutSeconds: r.timeout_seconds,
    createdAt: timestampOf(r.created_at),
    scheduledAt: timestampOf(r.scheduled_at),
    startedAt: timestampOf(r.started_at),
    completedAt: timestampOf(r.completed_at),
    leaseExpiresAt: timestampOf(r.lease_expires_at),
    assignedWorkerId: r.assigned_worker_id ?? "",
    idempotencyKey: r.idempotency_key ?? "",
    leaseId: r.lease_id ?? "",
  });
}

/** proto3 maps arrive as {} when empty; the engine wants "absent" then. */
export const mapOrUndefined = (m: Record<string, string>) => (Object.keys(m).length ? { ...m } : undefined);

export const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
