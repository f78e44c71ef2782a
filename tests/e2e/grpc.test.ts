import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { grpc, grpcClients, grpcError, grpcPortOf, metadataWith, toStruct, fromStruct, seconds, type GrpcClients } from "../helpers/grpc";
import { insertApiKey } from "../../src/store/api-keys";
import { generateApiKey, hashApiKey } from "../../src/domain/credentials";

const Status = grpc.status;

for (const kind of await databaseKinds()) {
  describe(`gRPC unary methods (${kind})`, () => {
    let s: TestServer;
    let c: GrpcClients;
    let rest: Client;
    let orgId: string;
    let key: string;
    beforeAll(async () => {
      s = await startTestServer(kind);
      ({ orgId, key, client: rest } = await s.newOrg());
      c = grpcClients(`127.0.0.1:${grpcPortOf(s)}`, key);
    });
    afterAll(async () => {
      c.close();
      await s.stop();
    });

    const enqueue = (req: object) => c.call(c.queue, "enqueue", { payload: toStruct({ n: 1 }), ...req });
    const getJob = async (jobId: string) => (await c.call(c.queue, "getJob", { jobId })).job;
    const dequeue = async (queueName: string, workerId = "w1", batchSize = 1) => (await c.call(c.queue, "dequeue", { queueName, workerId, batchSize })).jobs as any[];

    test("the gRPC port answers on 127.0.0.1, ::1 and localhost", async () => {
      for (const host of ["127.0.0.1", "[::1]", "localhost"]) {
        const other = grpcClients(`${host}:${grpcPortOf(s)}`, key);
        expect((await other.call(other.queue, "getQueueStats", { queueName: "reach" })).queueName).toBe("reach");
        other.close();
      }
    });

    test("Enqueue stores the job with contract defaults, GetJob returns every field, and REST sees the same job", async () => {
      const r = await enqueue({ queueName: "mail", payload: toStruct({ to: "a@b.c", n: 2, deep: { ok: true, list: [1, "x"] } }), priority: 7, idempotencyKey: "k-1", tags: { team: "core" } });
      expect(r).toEqual({ jobId: expect.any(String), created: true });
      const job = await getJob(r.jobId);
      expect(job).toMatchObject({
        id: r.jobId, organizationId: orgId, queueName: "mail", status: "JOB_STATUS_PENDING", priority: 7, retryCount: 0,
        maxRetries: 3, timeoutSeconds: 300, lastError: "", assignedWorkerId: "", idempotencyKey: "k-1", leaseId: "",
        result: null, scheduledAt: null, startedAt: null, completedAt: null, leaseExpiresAt: null,
      });
      expect(fromStruct(job.payload)).toEqual({ to: "a@b.c", n: 2, deep: { ok: true, list: [1, "x"] } });
      expect(Math.abs(seconds(job.createdAt)! - Date.now() / 1000)).toBeLessThan(60);

      const viaRest = await rest.get(`/api/v1/jobs/${r.jobId}`);
      expect(viaRest.body).toMatchObject({ id: r.jobId, status: "pending", payload: { to: "a@b.c", n: 2 }, priority: 7, tags: { team: "core" }, idempotency_key: "k-1" });

      const again = await enqueue({ queueName: "mail", idempotencyKey: "k-1" });
      expect(again).toEqual({ jobId: r.jobId, created: false });
    });

    test("a job created over REST is visible and claimable over gRPC", async () => {
      const created = await rest.post("/api/v1/jobs", { queue_name: "from-rest", payload: { hello: "grpc" }, max_retries: 1 });
      expect(created.status).toBe(201);
      expect(await getJob(created.body.id)).toMatchObject({ id: created.body.id, status: "JOB_STATUS_PENDING", maxRetries: 1 });
      const [job] = await dequeue("from-rest", "w-rest");
      expect(job.id).toBe(created.body.id);
      expect(fromStruct(job.payload)).toEqual({ hello: "grpc" });
      expect((await rest.get(`/api/v1/jobs/${job.id}`)).body).toMatchObject({ status: "processing", assigned_worker_id: "w-rest", lease_id: job.leaseId });
    });

    test("zero or out-of-range ints become defaults or are clamped; a future scheduled_at makes a scheduled job", async () => {
      const dflt = await getJob((await enqueue({ queueName: "ints", maxRetries: 0, timeoutSeconds: -5 })).jobId);
      expect(dflt).toMatchObject({ maxRetries: 3, timeoutSeconds: 300, priority: 0 });
      const clamped = await getJob((await enqueue({ queueName: "ints", maxRetries: 500, timeoutSeconds: 999999 })).jobId);
      expect(clamped).toMatchObject({ maxRetries: 100, timeoutSeconds: 86400 });
      const later = Math.floor(Date.now() / 1000) + 3600;
      const scheduled = await getJob((await enqueue({ queueName: "ints", scheduledAt: { seconds: String(later), nanos: 0 } })).jobId);
      expect(scheduled.status).toBe("JOB_STATUS_SCHEDULED");
      expect(seconds(scheduled.scheduledAt)).toBe(later);
    });

    test("validation failures are INVALID_ARGUMENT with the same messages as REST", async () => {
      const cases: [object, object, string][] = [
        [{ queueName: "" }, { queue_name: "" }, "Queue name"],
        [{ queueName: "bad name!" }, { queue_name: "bad name!" }, "alphanumeric"],
        [{ queueName: ".hidden" }, { queue_name: ".hidden" }, "cannot start with dots or dashes"],
        [{ queueName: "ok", priority: 500 }, { queue_name: "ok", priority: 500 }, "priority must be between -100 and 100"],
      ];
      for (const [grpcReq, restBody, text] of cases) {
        const err = await grpcError(enqueue(grpcReq));
        expect(err.code).toBe(Status.INVALID_ARGUMENT);
        expect(err.details).toContain(text);
        const viaRest = await rest.post("/api/v1/jobs", { payload: {}, ...restBody });
        expect(viaRest.status).toBe(400);
        expect(viaRest.body.details[0].message).toBe(err.details);
      }
    });

    test("a 100 KB payload is accepted and one over 1 MiB is INVALID_ARGUMENT", async () => {
      const ok = await enqueue({ queueName: "big", payload: toStruct({ blob: "x".repeat(100_000) }) });
      expect(ok.created).toBe(true);
      const err = await grpcError(enqueue({ queueName: "big", payload: toStruct({ blob: "x".repeat(1_100_000) }) }));
      expect(err.code).toBe(Status.INVALID_ARGUMENT);
      expect(err.details).toBe("payload must be at most 1048576 bytes");
    });

    test("Dequeue leases a batch in priority order and answers an empty list when nothing is available", async () => {
      const ids = [];
      for (const priority of [1, 5, 3, 0]) ids.push((await enqueue({ queueName: "batch", priority })).jobId);
      const jobs = await dequeue("batch", "w-batch", 3);
      expect(jobs.map((j) => j.priority)).toEqual([5, 3, 1]);
      for (const j of jobs) {
        expect(j).toMatchObject({ status: "JOB_STATUS_PROCESSING", assignedWorkerId: "w-batch", leaseId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
        expect(seconds(j.leaseExpiresAt)! - Date.now() / 1000).toBeGreaterThan(250);
        expect(j.startedAt).not.toBeNull();
      }
      expect(await dequeue("batch", "w-batch", 0)).toHaveLength(1);
      expect(await dequeue("batch", "w-batch", 10)).toEqual([]);
      expect(await dequeue("never-used", "w-batch", 10)).toEqual([]);
      const err = await grpcError(c.call(c.queue, "dequeue", { queueName: "batch", workerId: "" }));
      expect([err.code, err.details]).toEqual([Status.INVALID_ARGUMENT, "Worker ID is required"]);
    });

    test("Complete stores the result; misses are NOT_FOUND, a stale lease_id FAILED_PRECONDITION, empty ids INVALID_ARGUMENT", async () => {
      const { jobId } = await enqueue({ queueName: "done" });
      const [job] = await dequeue("done", "w-done");
      const stale = await grpcError(c.call(c.queue, "complete", { jobId, workerId: "w-done", leaseId: "00000000-0000-4000-8000-000000000000" }));
      expect(stale.code).toBe(Status.FAILED_PRECONDITION);
      const wrongWorker = await grpcError(c.call(c.queue, "complete", { jobId, workerId: "someone-else" }));
      expect(wrongWorker.code).toBe(Status.NOT_FOUND);
      expect(wrongWorker.details).toContain("not found");

      expect(await c.call(c.queue, "complete", { jobId, workerId: "w-done", result: toStruct({ sent: 3 }), leaseId: job.leaseId })).toEqual({ success: true });
      const done = await getJob(jobId);
      expect(done).toMatchObject({ status: "JOB_STATUS_COMPLETED" });
      expect(fromStruct(done.result)).toEqual({ sent: 3 });
      expect(done.completedAt).not.toBeNull();
      expect((await rest.get(`/api/v1/jobs/${jobId}`)).body).toMatchObject({ status: "completed", result: { sent: 3 } });

      const again = await grpcError(c.call(c.queue, "complete", { jobId, workerId: "w-done" }));
      expect(again.code).toBe(Status.NOT_FOUND);
      const unknown = await grpcError(c.call(c.queue, "complete", { jobId: "non-existent-job-id", workerId: "w-done" }));
      expect([unknown.code, unknown.details.includes("not found")]).toEqual([Status.NOT_FOUND, true]);
      const noJob = await grpcError(c.call(c.queue, "complete", { jobId: "", workerId: "w-done" }));
      expect([noJob.code, noJob.details]).toEqual([Status.INVALID_ARGUMENT, "Job ID is required"]);
      const noWorker = await grpcError(c.call(c.queue, "complete", { jobId, workerId: "" }));
      expect([noWorker.code, noWorker.details]).toEqual([Status.INVALID_ARGUMENT, "Worker ID is required"]);
    });

    test("Fail with retry goes back to pending with a delay; retry omitted dead-letters; a 5000-char error is truncated", async () => {
      const { jobId } = await enqueue({ queueName: "flaky", maxRetries: 2 });
      await dequeue("flaky", "w-f");
      const retried = await c.call(c.queue, "fail", { jobId, workerId: "w-f", error: "boom", retry: true });
      expect(retried).toMatchObject({ success: true, willRetry: true });
      expect(retried.nextRetryDelaySecs).toBeGreaterThanOrEqual(0);
      expect(await getJob(jobId)).toMatchObject({ status: "JOB_STATUS_PENDING", retryCount: 1, lastError: "boom", leaseId: "" });

      const { jobId: doomed } = await enqueue({ queueName: "doomed" });
      await dequeue("doomed", "w-f");
      const long = "e".repeat(5000);
      expect(await c.call(c.queue, "fail", { jobId: doomed, workerId: "w-f", error: long })).toEqual({ success: true, willRetry: false, nextRetryDelaySecs: 0 });
      const dead = await getJob(doomed);
      expect(dead.status).toBe("JOB_STATUS_DEADLETTER");
      expect(dead.lastError.length).toBe(2048);
      expect(dead.lastError.endsWith("[truncated]")).toBe(true);
      const dlq = await rest.get("/api/v1/jobs/dlq?queue_name=doomed");
      expect(dlq.body.map((j: any) => j.id)).toEqual([doomed]);

      const miss = await grpcError(c.call(c.queue, "fail", { jobId: doomed, workerId: "w-f", error: "again" }));
      expect(miss.code).toBe(Status.NOT_FOUND);
    });

    test("RenewLease extends the holder's lease; anyone else gets OK with success=false", async () => {
      const { jobId } = await enqueue({ queueName: "renew" });
      const [job] = await (async () => (await c.call(c.queue, "dequeue", { queueName: "renew", workerId: "w-r", leaseDurationSecs: 10 })).jobs)();
      expect(seconds(job.leaseExpiresAt)! - Date.now() / 1000).toBeLessThan(15);
      const renewed = await c.call(c.queue, "renewLease", { jobId, workerId: "w-r", extensionSecs: 600 });
      expect(renewed.success).toBe(true);
      expect(seconds(renewed.newExpiresAt)! - Date.now() / 1000).toBeGreaterThan(550);
      expect(await c.call(c.queue, "renewLease", { jobId, workerId: "intruder", extensionSecs: 600 })).toEqual({ success: false, newExpiresAt: null });
      expect(await c.call(c.queue, "renewLease", { jobId: "non-existent-job-id", workerId: "w-r" })).toEqual({ success: false, newExpiresAt: null });
      expect(await c.call(c.queue, "renewLease", { jobId, workerId: "w-r", leaseId: job.leaseId })).toMatchObject({ success: true });
      const err = await grpcError(c.call(c.queue, "renewLease", { jobId, workerId: "" }));
      expect(err.code).toBe(Status.INVALID_ARGUMENT);
    });

    test("GetJob of a non-UUID, missing, or other organization's id is OK with no job", async () => {
      expect(await c.call(c.queue, "getJob", { jobId: "non-existent-job-id" })).toEqual({ job: null });
      expect(await c.call(c.queue, "getJob", { jobId: crypto.randomUUID() })).toEqual({ job: null });
      expect(await c.call(c.queue, "getJob", { jobId: "" })).toEqual({ job: null });
      const other = await s.newOrg();
      const theirs = await other.client.post("/api/v1/jobs", { queue_name: "mail", payload: {} });
      expect(await c.call(c.queue, "getJob", { jobId: theirs.body.id })).toEqual({ job: null });
    });

    test("GetQueueStats counts every status as int64 strings and echoes an unused queue with zeros", async () => {
      for (let i = 0; i < 3; i++) await enqueue({ queueName: "stats" });
      const [leased] = await dequeue("stats", "w-s");
      await c.call(c.queue, "complete", { jobId: leased.id, workerId: "w-s" });
      await dequeue("stats", "w-s");
      const later = Math.floor(Date.now() / 1000) + 3600;
      await enqueue({ queueName: "stats", scheduledAt: { seconds: String(later), nanos: 0 } });
      const stats = await c.call(c.queue, "getQueueStats", { queueName: "stats" });
      expect(stats).toMatchObject({ queueName: "stats", pending: "1", scheduled: "1", processing: "1", completed: "1", failed: "0", deadletter: "0", total: "4" });
      expect(Number(stats.maxAgeMs)).toBeGreaterThanOrEqual(0);
      expect(await c.call(c.queue, "getQueueStats", { queueName: "empty-queue" })).toEqual({
        queueName: "empty-queue", pending: "0", scheduled: "0", processing: "0", completed: "0", failed: "0", deadletter: "0", total: "0", maxAgeMs: "0",
      });
      const bad = await grpcError(c.call(c.queue, "getQueueStats", { queueName: "no spaces" }));
      expect(bad.code).toBe(Status.INVALID_ARGUMENT);
    });

    test("WorkerService Register, Heartbeat and Deregister share the REST worker registry", async () => {
      const reg = await c.call(c.worker, "register", { queueName: "mail", hostname: "host-1", workerType: "node", maxConcurrency: 0, version: "1.2.3", metadata: { region: "eu" } });
      expect(reg).toEqual({ workerId: expect.stringMatching(/^[0-9a-f-]{36}$/), leaseDurationSecs: 300, heartbeatIntervalSecs: 10 });
      expect((await rest.get(`/api/v1/workers/${reg.workerId}`)).body).toMatchObject({
        hostname: "host-1", worker_type: "node", max_concurrency: 5, version: "1.2.3", metadata: { region: "eu" }, status: "healthy",
      });
      const anonymous = await c.call(c.worker, "register", { queueName: "mail", maxConcurrency: 5000 });
      expect((await rest.get(`/api/v1/workers/${anonymous.workerId}`)).body).toMatchObject({ hostname: "", max_concurrency: 1000 });

      for (const status of ["healthy", "degraded", "draining", "", "weird"]) {
        expect(await c.call(c.worker, "heartbeat", { workerId: reg.workerId, currentJobs: 2, status })).toEqual({ acknowledged: true, shouldDrain: false });
      }
      expect((await rest.get(`/api/v1/workers/${reg.workerId}`)).body).toMatchObject({ status: "healthy", current_jobs: 2 });
      expect(await c.call(c.worker, "heartbeat", { workerId: "non-existent-worker-id" })).toEqual({ acknowledged: false, shouldDrain: false });

      const { jobId } = await enqueue({ queueName: "leaving" });
      await dequeue("leaving", reg.workerId);
      expect(await c.call(c.worker, "deregister", { workerId: reg.workerId })).toEqual({ success: true });
      expect(await getJob(jobId)).toMatchObject({ status: "JOB_STATUS_PENDING", retryCount: 0, assignedWorkerId: "" });
      expect((await rest.get(`/api/v1/workers/${reg.workerId}`)).body.status).toBe("offline");
      expect(await c.call(c.worker, "deregister", { workerId: "non-existent-worker-id" })).toEqual({ success: false });

      for (const [req, text] of [
        [{ queueName: "", hostname: "h" }, "Queue name"],
        [{ queueName: "mail", hostname: "-bad" }, "hostname"],
        [{ queueName: "mail", hostname: "has space" }, "hostname"],
      ] as const) {
        const err = await grpcError(c.call(c.worker, "register", req));
        expect(err.code).toBe(Status.INVALID_ARGUMENT);
        expect(err.details).toContain(text);
      }
      for (const method of ["heartbeat", "deregister"]) {
        const err = await grpcError(c.call(c.worker, method, { workerId: "" }));
        expect([err.code, err.details]).toEqual([Status.INVALID_ARGUMENT, "Worker ID is required"]);
      }
    });

    test("credentials: x-api-key or authorization Bearer; missing, unknown and JWT-looking ones are UNAUTHENTICATED", async () => {
      const call = (md: grpc.Metadata) => c.call(c.queue, "getQueueStats", { queueName: "auth" }, md);
      expect((await call(metadataWith({ authorization: `Bearer ${key}` }))).queueName).toBe("auth");
      expect((await call(metadataWith({ authorization: `bearer ${key}` }))).queueName).toBe("auth");
      expect((await call(metadataWith({ authorization: key }))).queueName).toBe("auth");
      expect((await call(metadataWith({ "x-api-key": key, authorization: "Bearer sk_test_wrongwrongwrong" }))).queueName).toBe("auth");

      const missing = await grpcError(call(new grpc.Metadata()));
      expect([missing.code, missing.details]).toEqual([Status.UNAUTHENTICATED, "Missing x-api-key or authorization header"]);
      for (const md of [metadataWith({ "x-api-key": "sk_test_not_a_real_key_at_all" }), metadataWith({ authorization: "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig" })]) {
        const err = await grpcError(call(md));
        expect([err.code, err.details]).toEqual([Status.UNAUTHENTICATED, "Invalid API key"]);
      }
      const unauthWorker = await grpcError(c.call(c.worker, "register", { queueName: "mail" }, new grpc.Metadata()));
      expect(unauthWorker.code).toBe(Status.UNAUTHENTICATED);
    });

    test("a key scoped to some queues gets PERMISSION_DENIED elsewhere", async () => {
      const scoped = generateApiKey("development");
      await insertApiKey(s.db, { id: crypto.randomUUID(), orgId, name: "scoped", keyHash: hashApiKey(scoped), keyPrefix: scoped.slice(0, 12), queues: ["allowed"], rateLimit: null, expiresAt: null });
      const md = metadataWith({ "x-api-key": scoped });
      expect((await c.call(c.queue, "enqueue", { queueName: "allowed", payload: toStruct({}) }, md)).created).toBe(true);
      for (const [client, method, req] of [
        [c.queue, "enqueue", { queueName: "mail" }],
        [c.queue, "dequeue", { queueName: "mail", workerId: "w" }],
        [c.queue, "getQueueStats", { queueName: "mail" }],
        [c.worker, "register", { queueName: "mail" }],
      ] as const) {
        const err = await grpcError(c.call(client, method, req, md));
        expect(err.code).toBe(Status.PERMISSION_DENIED);
        expect(err.details).toContain("'mail'");
      }
    });
  });
}
