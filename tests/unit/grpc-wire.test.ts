import { describe, test, expect } from "bun:test";
import { create } from "@bufbuild/protobuf";
import { specEncodeGrpcMessage } from "../../src/rpc/grpc-message";
import { bindAddresses } from "../../src/rpc/listener";
import { apiKeyFromMetadata } from "../../src/rpc/auth";
import { claimInput, enqueueInput, failInput, registerInput, renewInput, workerHeartbeatInput } from "../../src/rpc/inputs";
import { jobMessage } from "../../src/rpc/messages";
import { inBandError, toConnectError } from "../../src/rpc/errors";
import { AppError } from "../../src/domain/errors";
import { Code } from "@connectrpc/connect";
import { DequeueRequestSchema, EnqueueRequestSchema, FailRequestSchema, RenewLeaseRequestSchema } from "../../gen/spooled/v1/queue_pb";
import { HeartbeatRequestSchema, RegisterWorkerRequestSchema } from "../../gen/spooled/v1/worker_pb";
import { JobStatus } from "../../gen/spooled/v1/job_pb";

describe("grpc-message encoding", () => {
  test("reserved URI characters stay readable; % and non-ASCII are percent-encoded per the gRPC spec", () => {
    expect(specEncodeGrpcMessage(encodeURIComponent("a: b, c/d?e#f&g=h+i;j"))).toBe("a: b, c/d?e#f&g=h+i;j");
    expect(specEncodeGrpcMessage(encodeURIComponent("100% sure"))).toBe("100%25 sure");
    expect(specEncodeGrpcMessage(encodeURIComponent("café\n"))).toBe("caf%C3%A9%0A");
    expect(decodeURI(specEncodeGrpcMessage(encodeURIComponent("x: 50% ü")))).toBe("x: 50% ü");
    expect(specEncodeGrpcMessage("%E0%A4%A")).toBe("%E0%A4%A");
  });
});

describe("listening addresses", () => {
  test("loopback names bind both loopbacks; :: is one dual-stack socket; other hosts as given", () => {
    expect(bindAddresses("127.0.0.1")).toEqual(["127.0.0.1", "::1"]);
    expect(bindAddresses("localhost")).toEqual(["127.0.0.1", "::1"]);
    expect(bindAddresses("::")).toEqual(["::"]);
    expect(bindAddresses("0.0.0.0")).toEqual(["0.0.0.0"]);
    expect(bindAddresses("10.1.2.3")).toEqual(["10.1.2.3"]);
  });
});

describe("credentials from metadata", () => {
  const h = (o: Record<string, string>) => new Headers(o);
  test("x-api-key wins; Bearer in any case or a bare value is the key; nothing is undefined", () => {
    expect(apiKeyFromMetadata(h({ "x-api-key": " sk_a ", authorization: "Bearer sk_b" }))).toBe("sk_a");
    expect(apiKeyFromMetadata(h({ authorization: "BEARER sk_b" }))).toBe("sk_b");
    expect(apiKeyFromMetadata(h({ authorization: "sk_c" }))).toBe("sk_c");
    expect(apiKeyFromMetadata(h({}))).toBeUndefined();
  });
});

describe("proto requests to engine inputs", () => {
  test("Enqueue: zeros are defaults, large values are clamped, empty strings and maps are absent", () => {
    expect(enqueueInput(create(EnqueueRequestSchema, { queueName: "q" }))).toMatchObject({
      queue_name: "q", payload: {}, priority: 0, max_retries: undefined, timeout_seconds: undefined, idempotency_key: undefined, tags: undefined, scheduled_at: undefined,
    });
    const r = enqueueInput(create(EnqueueRequestSchema, { queueName: "q", maxRetries: 1000, timeoutSeconds: 10 ** 6, tags: { a: "b" }, idempotencyKey: "k", scheduledAt: { seconds: 1700000000n, nanos: 0 } }));
    expect(r).toMatchObject({ max_retries: 100, timeout_seconds: 86400, tags: { a: "b" }, idempotency_key: "k" });
    expect(r.scheduled_at).toEqual(new Date(1700000000 * 1000));
    expect(() => enqueueInput(create(EnqueueRequestSchema, { queueName: "q", scheduledAt: { seconds: 10n ** 15n, nanos: 0 } }))).toThrow("must be an RFC 3339 timestamp");
  });

  test("Dequeue and renew: lease 0 is 300 s, clamped to 5..3600; batch clamped to 1..100", () => {
    expect(claimInput(create(DequeueRequestSchema, { queueName: "q", workerId: "w" }), 0)).toEqual({ queueName: "q", workerId: "w", limit: 1, leaseSecs: 300 });
    expect(claimInput(create(DequeueRequestSchema, { queueName: "q", workerId: "w", leaseDurationSecs: 1 }), 500)).toMatchObject({ limit: 100, leaseSecs: 5 });
    expect(renewInput(create(RenewLeaseRequestSchema, { jobId: "j", workerId: "w", extensionSecs: 99999 })).leaseSecs).toBe(3600);
    expect(() => claimInput(create(DequeueRequestSchema, { queueName: "q" }))).toThrow("Worker ID is required");
  });

  test("Fail: retry defaults to false, over-long errors are truncated with a marker, an empty one is named", () => {
    const f = failInput(create(FailRequestSchema, { jobId: "j", workerId: "w", error: "x".repeat(5000) }));
    expect(f.allowRetry).toBe(false);
    expect(f.error).toHaveLength(2048);
    expect(f.error.endsWith("... [truncated]")).toBe(true);
    expect(failInput(create(FailRequestSchema, { jobId: "j", workerId: "w" })).error).toBe("Unknown error");
  });

  test("Register and heartbeat: empty hostname allowed, concurrency 0 is 5, unknown status is healthy", () => {
    expect(registerInput(create(RegisterWorkerRequestSchema, { queueName: "q" }))).toMatchObject({ hostname: "", max_concurrency: 5 });
    expect(registerInput(create(RegisterWorkerRequestSchema, { queueName: "q", hostname: "h", maxConcurrency: -3 })).max_concurrency).toBe(1);
    expect(workerHeartbeatInput(create(HeartbeatRequestSchema, { workerId: "w", status: "bogus", currentJobs: -1 }))).toMatchObject({ status: "healthy", current_jobs: 0 });
  });
});

describe("job rows to wire jobs and errors to statuses", () => {
  test("nulls become unset or empty; non-object payloads are wrapped; unknown statuses are UNSPECIFIED", () => {
    const m = jobMessage({ id: "1", organization_id: "o", queue_name: "q", status: "weird", payload: [1, 2], result: null, retry_count: 0, max_retries: 3, priority: 0, timeout_seconds: 300, created_at: new Date(0) });
    expect(m.status).toBe(JobStatus.UNSPECIFIED);
    expect(m.payload).toEqual({ value: [1, 2] });
    expect(m.result).toBeUndefined();
    expect(m.startedAt).toBeUndefined();
    expect([m.lastError, m.assignedWorkerId, m.leaseId, m.idempotencyKey]).toEqual(["", "", "", ""]);
  });

  test("engine errors map to gRPC codes, validation errors carry the field's own message", () => {
    expect(toConnectError(new AppError("VALIDATION_ERROR", "queue_name: bad", [{ field: "queue_name", message: "bad", code: "x" }])).rawMessage).toBe("bad");
    expect(toConnectError(new AppError("LEASE_EXPIRED", "Lease expired")).code).toBe(Code.FailedPrecondition);
    expect(toConnectError(new AppError("QUOTA_EXCEEDED", "Daily job limit reached")).code).toBe(Code.ResourceExhausted);
    expect(toConnectError(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })).code).toBe(Code.Unavailable);
    expect(inBandError(new AppError("NOT_FOUND", "Job not found"))).toEqual({ code: "NOT_FOUND", message: "Job not found" });
    expect(inBandError(new AppError("LEASE_EXPIRED", "Lease expired"))).toEqual({ code: "LEASE_EXPIRED", message: "Lease expired" });
  });
});
