import { z } from "zod";
import { parseInput, optionalJson, intIn } from "../domain/validate";
import { claimSchema, completeSchema, createJobSchema, failSchema, heartbeatSchema, MAX_PAYLOAD_BYTES } from "../domain/job-schemas";
import { registerWorkerSchema, workerHeartbeatSchema, WORKER_STATUSES } from "../domain/worker-schemas";
import { badRequest } from "../domain/errors";
import type { EnqueueRequest, DequeueRequest, CompleteRequest, FailRequest, RenewLeaseRequest, StreamJobsRequest } from "../../gen/spooled/v1/queue_pb";
import type { RegisterWorkerRequest, HeartbeatRequest } from "../../gen/spooled/v1/worker_pb";
import { clamp, mapOrUndefined, rfc3339Of } from "./messages";

/**
 * proto3 cannot tell 0 from unset, so the contract turns zeros into defaults and clamps the rest; the result is then
 * validated by the same zod schemas as REST, so both faces reject the same input with the same messages.
 */
export const GRPC_DEFAULT_LEASE_SECS = 300;
const FAIL_ERROR_MAX = 2048;
const TRUNCATION_MARKER = "... [truncated]";

export function requireWorkerId(id: string): string {
  if (id === "") throw badRequest("Worker ID is required");
  return id;
}

export function requireJobId(id: string): string {
  if (id === "") throw badRequest("Job ID is required");
  return id;
}

const leaseSecsOf = (secs: number) => (secs > 0 ? clamp(secs, 5, 3600) : GRPC_DEFAULT_LEASE_SECS);
const leaseIdOf = (id: string) => (id === "" ? undefined : id);

export function enqueueInput(r: EnqueueRequest) {
  return parseInput(createJobSchema, {
    queue_name: r.queueName,
    payload: r.payload ?? {},
    priority: r.priority,
    max_retries: r.maxRetries > 0 ? clamp(r.maxRetries, 1, 100) : undefined,
    timeout_seconds: r.timeoutSeconds > 0 ? clamp(r.timeoutSeconds, 1, 86400) : undefined,
    scheduled_at: rfc3339Of(r.scheduledAt),
    idempotency_key: r.idempotencyKey === "" ? undefined : r.idempotencyKey,
    tags: mapOrUndefined(r.tags),
  });
}

export function claimInput(r: DequeueRequest | StreamJobsRequest, batchSize = 1) {
  requireWorkerId(r.workerId);
  const b = parseInput(claimSchema, {
    queue_name: r.queueName,
    worker_id: r.workerId,
    limit: clamp(batchSize, 1, 100),
    lease_duration_secs: leaseSecsOf(r.leaseDurationSecs),
  });
  return { queueName: b.queue_name, workerId: b.worker_id, limit: b.limit ?? 1, leaseSecs: b.lease_duration_secs ?? GRPC_DEFAULT_LEASE_SECS };
}

const grpcCompleteSchema = completeSchema.extend({ result: optionalJson("result", MAX_PAYLOAD_BYTES) });

export function completeInput(r: CompleteRequest) {
  requireJobId(r.jobId);
  requireWorkerId(r.workerId);
  const b = parseInput(grpcCompleteSchema, { worker_id: r.workerId, result: r.result, lease_id: leaseIdOf(r.leaseId) });
  return { proof: { jobId: r.jobId, workerId: b.worker_id, leaseId: b.lease_id }, result: b.result ?? null };
}

/** Over-long errors are cut (and marked) rather than refused; a worker reporting a failure should not fail again. */
export function failInput(r: FailRequest) {
  requireJobId(r.jobId);
  requireWorkerId(r.workerId);
  const error = r.error.length > FAIL_ERROR_MAX ? r.error.slice(0, FAIL_ERROR_MAX - TRUNCATION_MARKER.length) + TRUNCATION_MARKER : r.error || "Unknown error";
  const b = parseInput(failSchema, { worker_id: r.workerId, error, lease_id: leaseIdOf(r.leaseId) });
  return { proof: { jobId: r.jobId, workerId: b.worker_id, leaseId: b.lease_id }, error: b.error, allowRetry: r.retry };
}

export function renewInput(r: RenewLeaseRequest) {
  requireJobId(r.jobId);
  requireWorkerId(r.workerId);
  const b = parseInput(heartbeatSchema, { worker_id: r.workerId, lease_duration_secs: leaseSecsOf(r.extensionSecs), lease_id: leaseIdOf(r.leaseId) });
  return { proof: { jobId: r.jobId, workerId: b.worker_id, leaseId: b.lease_id }, leaseSecs: b.lease_duration_secs };
}

/** gRPC registrations may leave the hostname empty and ask for up to 1000 concurrent jobs (contract section 5). */
const grpcRegisterSchema = registerWorkerSchema.extend({
  hostname: z.literal("").or(registerWorkerSchema.shape.hostname),
  max_concurrency: intIn(1, 1000, "max_concurrency"),
});

export function registerInput(r: RegisterWorkerRequest) {
  return parseInput(grpcRegisterSchema, {
    queue_name: r.queueName,
    hostname: r.hostname,
    worker_type: r.workerType || undefined,
    max_concurrency: r.maxConcurrency === 0 ? 5 : clamp(r.maxConcurrency, 1, 1000),
    version: r.version || undefined,
    metadata: mapOrUndefined(r.metadata),
  });
}

export function workerHeartbeatInput(r: HeartbeatRequest) {
  requireWorkerId(r.workerId);
  const status = (WORKER_STATUSES as readonly string[]).includes(r.status) ? r.status : "healthy";
  return parseInput(workerHeartbeatSchema, { current_jobs: clamp(r.currentJobs, 0, 1000), status, metadata: mapOrUndefined(r.metadata) });
}
