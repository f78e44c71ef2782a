import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { grpc, grpcClients, grpcPortOf, nextMessages, toStruct, fromStruct, metadataWith, type GrpcClients } from "../helpers/grpc";
import { insertApiKey } from "../../src/store/api-keys";
import { generateApiKey, hashApiKey } from "../../src/domain/credentials";

/** Polls a condition the server reaches asynchronously (a stream's cleanup after the client went away). */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await Bun.sleep(25);
  }
}

/** Resolves with the status a call ends with (error or OK). */
const endStatus = (call: any) =>
  new Promise<{ code: number; details: string }>((resolve) => {
    call.on("status", (st: any) => resolve({ code: st.code, details: st.details }));
    call.on("error", () => {});
  });

for (const kind of await databaseKinds()) {
  describe(`gRPC streams (${kind})`, () => {
    let s: TestServer;
    let c: GrpcClients;
    let rest: Client;
    beforeAll(async () => {
      s = await startTestServer(kind);
      const org = await s.newOrg();
      rest = org.client;
      c = grpcClients(`127.0.0.1:${grpcPortOf(s)}`, org.key);
    });
    afterAll(async () => {
      c.close();
      await s.stop();
    });

    const enqueue = async (queueName: string, n: number) => (await c.call(c.queue, "enqueue", { queueName, payload: toStruct({ n }) })).jobId as string;
    const statusOf = async (jobId: string) => (await c.call(c.queue, "getJob", { jobId })).job.status as string;

    test("StreamJobs pushes queued and newly enqueued jobs, leased to the worker, and releases unfinished ones on cancel", async () => {
      const before = [await enqueue("stream", 1), await enqueue("stream", 2)];
      const call = c.queue.streamJobs({ queueName: "stream", workerId: "streamer", leaseDurationSecs: 120 }, c.metadata);
      const ended = endStatus(call);
      const first = await nextMessages(call, 2);
      expect(first.map((j) => j.id).sort()).toEqual(before.sort());
      for (const j of first) expect(j).toMatchObject({ status: "JOB_STATUS_PROCESSING", assignedWorkerId: "streamer", leaseId: expect.any(String) });

      // The stream is idle now; jobs enqueued over gRPC and REST wake it.
      const pending = nextMessages(call, 3);
      const later = [await enqueue("stream", 3), (await rest.post("/api/v1/jobs", { queue_name: "stream", payload: { n: 4 } })).body.id, await enqueue("stream", 5)];
      const pushed = await pending;
      expect(pushed.map((j) => j.id)).toEqual(later);
      expect(pushed.map((j) => fromStruct(j.payload)!.n)).toEqual([3, 4, 5]);

      // Finish three of the five, keep two in flight, then the client cancels mid-stream.
      for (const j of [...first, pushed[0]]) expect(await c.call(c.queue, "complete", { jobId: j.id, workerId: "streamer" })).toEqual({ success: true });
      call.cancel();
      expect((await ended).code).toBe(grpc.status.CANCELLED);
      for (const id of [later[1], later[2]]) {
        const job = await eventually(() => c.call(c.queue, "getJob", { jobId: id }), (r: any) => r.job.status === "JOB_STATUS_PENDING", "release");
        expect(job.job).toMatchObject({ retryCount: 0, assignedWorkerId: "", leaseId: "" });
      }
      for (const j of first) expect(await statusOf(j.id)).toBe("JOB_STATUS_COMPLETED");
    });

    test("cancelling one stream leaves other streams on the same connection running", async () => {
      const a = c.queue.streamJobs({ queueName: "lane-a", workerId: "wa" }, c.metadata);
      const b = c.queue.streamJobs({ queueName: "lane-b", workerId: "wb" }, c.metadata);
      const aEnded = endStatus(a);
      const bEnded = endStatus(b);
      const gotA = nextMessages(a, 1);
      const gotB = nextMessages(b, 1);
      await enqueue("lane-a", 1);
      await enqueue("lane-b", 1);
      await Promise.all([gotA, gotB]);
      a.cancel();
      expect((await aEnded).code).toBe(grpc.status.CANCELLED);
      const more = nextMessages(b, 2);
      await enqueue("lane-b", 2);
      await enqueue("lane-b", 3);
      expect((await more).map((j) => fromStruct(j.payload)!.n)).toEqual([2, 3]);
      b.cancel();
      expect((await bEnded).code).toBe(grpc.status.CANCELLED);
    });

    test("several StreamJobs workers on one queue each get distinct jobs", async () => {
      const calls = [0, 1, 2].map((i) => c.queue.streamJobs({ queueName: "shared", workerId: `sw${i}` }, c.metadata));
      const received: any[] = [];
      const all = new Promise<void>((resolve) => {
        for (const call of calls) {
          call.on("error", () => {});
          call.on("data", (j: any) => {
            received.push(j);
            if (received.length === 12) resolve();
          });
        }
      });
      for (let i = 0; i < 12; i++) await enqueue("shared", i);
      await all;
      expect(new Set(received.map((j) => j.id)).size).toBe(12);
      for (const call of calls) call.cancel();
      // Whatever state each stream was in when cancelled (claiming, idle, writing), all twelve come back.
      await eventually(() => c.call(c.queue, "getQueueStats", { queueName: "shared" }), (st: any) => st.pending === "12", "release of every stream");
    });

    test("an idle stream also gets a retried job once its backoff has passed (no event announces that moment)", async () => {
      const id = await enqueue("retry-later", 1);
      const call = c.queue.streamJobs({ queueName: "retry-later", workerId: "patient" }, c.metadata);
      call.on("error", () => {});
      const [first] = await nextMessages(call, 1);
      expect(first.id).toBe(id);
      const again = nextMessages(call, 1);
      const failed = await c.call(c.queue, "fail", { jobId: id, workerId: "patient", error: "try later", retry: true });
      expect(failed.willRetry).toBe(true);
      const [second] = await again;
      expect(second).toMatchObject({ id, retryCount: 1, status: "JOB_STATUS_PROCESSING" });
      call.cancel();
    });

    test("StreamJobs with an empty worker id or without a key ends with the matching status", async () => {
      const noWorker = endStatus(c.queue.streamJobs({ queueName: "stream", workerId: "" }, c.metadata));
      expect(await noWorker).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: "Worker ID is required" });
      const noKey = endStatus(c.queue.streamJobs({ queueName: "stream", workerId: "w" }, new grpc.Metadata()));
      expect((await noKey).code).toBe(grpc.status.UNAUTHENTICATED);
      const badQueue = endStatus(c.queue.streamJobs({ queueName: "bad queue", workerId: "w" }, c.metadata));
      expect((await badQueue).code).toBe(grpc.status.INVALID_ARGUMENT);
    });

    test("StreamJobs whose key is revoked stops within 32 jobs with UNAUTHENTICATED", async () => {
      const victim = await s.newOrg();
      const other = generateApiKey("development");
      await insertApiKey(s.db, { id: crypto.randomUUID(), orgId: victim.orgId, name: "producer", keyHash: hashApiKey(other), keyPrefix: other.slice(0, 12), queues: [], rateLimit: null, expiresAt: null });
      const producer = metadataWith({ "x-api-key": other });
      const call = c.queue.streamJobs({ queueName: "revoked", workerId: "rw" }, metadataWith({ "x-api-key": victim.key }));
      const ended = endStatus(call);
      let received = 0;
      call.on("data", () => received++);
      const first = nextMessages(call, 1);
      await c.call(c.queue, "enqueue", { queueName: "revoked", payload: toStruct({}) }, producer);
      await first;
      await s.db.query("UPDATE api_keys SET is_active = false WHERE key_hash = $1", [hashApiKey(victim.key)]);
      for (let i = 0; i < 40; i++) await c.call(c.queue, "enqueue", { queueName: "revoked", payload: toStruct({ i }) }, producer);
      expect(await ended).toEqual({ code: grpc.status.UNAUTHENTICATED, details: "Invalid API key" });
      expect(received).toBeLessThanOrEqual(33);
      await eventually(() => c.call(c.queue, "getQueueStats", { queueName: "revoked" }, producer), (st: any) => st.processing === "0", "release after revocation");
    });

    test("ProcessJobs answers each request in order with in-band errors, and releases held jobs when cancelled", async () => {
      const ids = [await enqueue("bidi", 1), await enqueue("bidi", 2), await enqueue("bidi", 3)];
      const call = c.queue.processJobs(c.metadata);
      const ended = endStatus(call);
      const ask = async (req: object) => {
        const reply = nextMessages(call, 1);
        call.write(req);
        return (await reply)[0];
      };

      const r1 = await ask({ dequeue: { queueName: "bidi", workerId: "pw", batchSize: 10 } });
      expect(r1.response).toBe("job");
      expect(r1.job).toMatchObject({ id: ids[0], status: "JOB_STATUS_PROCESSING", assignedWorkerId: "pw" });
      expect(await ask({ complete: { jobId: ids[0], workerId: "pw", result: toStruct({ ok: true }) } })).toMatchObject({ response: "complete", complete: { success: true } });

      const r2 = await ask({ dequeue: { queueName: "bidi", workerId: "pw" } });
      expect(r2.job.id).toBe(ids[1]);
      expect(await ask({ fail: { jobId: ids[1], workerId: "pw", error: "nope" } })).toMatchObject({ response: "fail", fail: { success: true, willRetry: false, nextRetryDelaySecs: 0 } });

      const r3 = await ask({ dequeue: { queueName: "bidi", workerId: "pw" } });
      expect(r3.job.id).toBe(ids[2]);
      expect(await ask({ renewLease: { jobId: ids[2], workerId: "pw", extensionSecs: 60 } })).toMatchObject({ response: "renewLease", renewLease: { success: true } });
      expect(await ask({ renewLease: { jobId: ids[2], workerId: "other" } })).toMatchObject({ response: "renewLease", renewLease: { success: false } });

      expect(await ask({ dequeue: { queueName: "bidi", workerId: "pw" } })).toMatchObject({ response: "error", error: { code: "NO_JOBS", message: "No jobs available" } });
      expect(await ask({ dequeue: { queueName: "bidi", workerId: "" } })).toMatchObject({ response: "error", error: { code: "INVALID_ARGUMENT", message: "Worker ID is required" } });
      expect(await ask({ dequeue: { queueName: "bad queue!", workerId: "pw" } })).toMatchObject({ response: "error", error: { code: "INVALID_ARGUMENT" } });
      expect(await ask({})).toMatchObject({ response: "error", error: { code: "INVALID_REQUEST", message: "Empty request" } });
      const miss = await ask({ complete: { jobId: "non-existent-job-id", workerId: "pw" } });
      expect(miss.error.code).toBe("NOT_FOUND");
      expect(miss.error.message).toContain("not found");
      const stale = await ask({ complete: { jobId: ids[2], workerId: "pw", leaseId: "stale" } });
      expect(stale.error.code).toBe("LEASE_EXPIRED");

      // The stream survived every in-band error; the client now cancels while holding ids[2].
      expect(await statusOf(ids[2])).toBe("JOB_STATUS_PROCESSING");
      call.cancel();
      expect((await ended).code).toBe(grpc.status.CANCELLED);
      await eventually(() => statusOf(ids[2]), (st) => st === "JOB_STATUS_PENDING", "release after cancel");
      expect(await statusOf(ids[0])).toBe("JOB_STATUS_COMPLETED");
      expect(await statusOf(ids[1])).toBe("JOB_STATUS_DEADLETTER");
    });

    test("ProcessJobs ends with OK when the client half-closes, also releasing what it held", async () => {
      const id = await enqueue("bidi-end", 1);
      const call = c.queue.processJobs(c.metadata);
      const ended = endStatus(call);
      const reply = nextMessages(call, 1);
      call.write({ dequeue: { queueName: "bidi-end", workerId: "pw2" } });
      expect((await reply)[0].job.id).toBe(id);
      call.end();
      expect((await ended).code).toBe(grpc.status.OK);
      await eventually(() => statusOf(id), (st) => st === "JOB_STATUS_PENDING", "release after half-close");
    });

    test("ProcessJobs without a key fails UNAUTHENTICATED; a key revoked mid-stream ends it with an in-band error", async () => {
      const unauth = c.queue.processJobs(new grpc.Metadata());
      const unauthEnded = endStatus(unauth);
      unauth.write({ dequeue: { queueName: "bidi", workerId: "w" } });
      expect((await unauthEnded).code).toBe(grpc.status.UNAUTHENTICATED);

      const victim = await s.newOrg();
      const vc = grpcClients(`127.0.0.1:${grpcPortOf(s)}`, victim.key);
      const call = vc.queue.processJobs(vc.metadata);
      const ended = endStatus(call);
      const replies: any[] = [];
      call.on("data", (m: any) => replies.push(m));
      const first = nextMessages(call, 1);
      call.write({ dequeue: { queueName: "rv", workerId: "w" } });
      expect((await first)[0].error.code).toBe("NO_JOBS");
      await s.db.query("UPDATE api_keys SET is_active = false WHERE organization_id = $1", [victim.orgId]);
      for (let i = 0; i < 40; i++) call.write({ dequeue: { queueName: "rv", workerId: "w" } });
      expect((await ended).code).toBe(grpc.status.OK);
      expect(replies.at(-1).error).toEqual({ code: "UNAUTHENTICATED", message: "Invalid API key" });
      expect(replies.length).toBeLessThan(41);
      vc.close();
    });
  });
}
