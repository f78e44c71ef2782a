import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { toBinary, create } from "@bufbuild/protobuf";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer } from "../helpers/server";
import { grpc, grpcClients, grpcPortOf, nextMessages, toStruct, fromStruct, type GrpcClients } from "../helpers/grpc";
import { ProcessRequestSchema, GetQueueStatsRequestSchema } from "../../gen/spooled/v1/queue_pb";

/** Binary gRPC on :50051 is served straight on the HTTP/2 stream (src/rpc/h2): what that path must keep doing. */

const frame = (bytes: Uint8Array, compressed = 0) => {
  const head = Buffer.alloc(5);
  head[0] = compressed;
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, Buffer.from(bytes)]);
};

/** One raw HTTP/2 call: `chunks` are sent in order with a pause between them; resolves with messages and status. */
function rawCall(port: number, path: string, chunks: Buffer[], headers: Record<string, string>) {
  return new Promise<{ grpcStatus?: string; message?: string; dataFrames: number }>((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    const out: { grpcStatus?: string; message?: string; dataFrames: number } = { dataFrames: 0 };
    req.on("response", (h) => {
      out.grpcStatus = (h["grpc-status"] as string) ?? out.grpcStatus;
    });
    req.on("trailers", (t) => {
      out.grpcStatus = t["grpc-status"] as string;
      out.message = t["grpc-message"] as string | undefined;
    });
    req.on("data", () => out.dataFrames++);
    req.on("error", () => {});
    req.on("close", () => {
      session.close();
      resolve(out);
    });
    void (async () => {
      for (const chunk of chunks) {
        req.write(chunk);
        await Bun.sleep(50);
      }
      req.end();
    })();
  });
}

const endStatus = (call: any) =>
  new Promise<{ code: number; details: string }>((resolve) => {
    call.on("status", (st: any) => resolve({ code: st.code, details: st.details }));
    call.on("error", () => {});
  });

for (const kind of await databaseKinds()) {
  describe(`gRPC served on the HTTP/2 stream (${kind})`, () => {
    let s: TestServer;
    let c: GrpcClients;
    let key: string;
    let port: number;
    beforeAll(async () => {
      s = await startTestServer(kind);
      key = (await s.newOrg()).key;
      port = grpcPortOf(s);
      c = grpcClients(`127.0.0.1:${port}`, key);
    });
    afterAll(async () => {
      c.close();
      await s.stop();
    });

    test("gzip-compressed requests from grpc-js are read (unary and streaming)", async () => {
      // grpc-js compresses every request message with gzip when this is the channel's default.
      const zipped = grpcClients(`127.0.0.1:${port}`, key, { "grpc.default_compression_algorithm": 2 });
      try {
        const text = "compressible ".repeat(2000);
        const { jobId } = await zipped.call(zipped.queue, "enqueue", { queueName: "zipped", payload: toStruct({ text }) });
        const { job } = await zipped.call(zipped.queue, "getJob", { jobId });
        expect(fromStruct(job.payload)).toEqual({ text });
        const bidi = zipped.queue.processJobs(zipped.metadata);
        bidi.on("error", () => {});
        const replies = nextMessages(bidi, 1);
        bidi.write({ dequeue: { queueName: "zipped", workerId: "zip-worker" } });
        expect((await replies)[0].job.id).toBe(jobId);
        bidi.end();
      } finally {
        zipped.close();
      }
    });

    test("a deadline ends an idle StreamJobs with DEADLINE_EXCEEDED and leases nothing to it afterwards", async () => {
      const call = c.queue.streamJobs({ queueName: "deadline", workerId: "late" }, c.metadata, { deadline: Date.now() + 300 });
      expect((await endStatus(call)).code).toBe(grpc.status.DEADLINE_EXCEEDED);
      const { jobId } = await c.call(c.queue, "enqueue", { queueName: "deadline", payload: toStruct({}) });
      await Bun.sleep(200);
      expect((await c.call(c.queue, "getJob", { jobId })).job.status).toBe("JOB_STATUS_PENDING");
      // A unary call within its deadline is answered as usual.
      const stats = await new Promise<any>((resolve, reject) =>
        c.queue.getQueueStats({ queueName: "deadline" }, c.metadata, { deadline: Date.now() + 5000 }, (err: any, res: any) => (err ? reject(err) : resolve(res))),
      );
      expect(stats.pending).toBe("1");
    });

    test("a malformed message in the middle of ProcessJobs ends it with INVALID_ARGUMENT after the earlier replies", async () => {
      const good = frame(toBinary(ProcessRequestSchema, create(ProcessRequestSchema, { request: { case: "dequeue", value: { queueName: "raw", workerId: "raw-worker" } } })));
      const bad = frame(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
      const r = await rawCall(port, "/spooled.v1.QueueService/ProcessJobs", [good, good, bad, good], { "x-api-key": key });
      expect(r.grpcStatus).toBe(String(grpc.status.INVALID_ARGUMENT));
      expect(r.dataFrames).toBeGreaterThanOrEqual(1);
    });

    test("gzip frames on the raw wire, a bad grpc-timeout, and two messages on a unary method", async () => {
      const stats = toBinary(GetQueueStatsRequestSchema, create(GetQueueStatsRequestSchema, { queueName: "raw" }));
      const path = "/spooled.v1.QueueService/GetQueueStats";
      const auth = { "x-api-key": key };
      expect((await rawCall(port, path, [frame(gzipSync(stats), 1)], { ...auth, "grpc-encoding": "gzip" })).grpcStatus).toBe("0");
      expect((await rawCall(port, path, [frame(Buffer.from("not gzip"), 1)], { ...auth, "grpc-encoding": "gzip" })).grpcStatus).toBe(String(grpc.status.INVALID_ARGUMENT));
      expect((await rawCall(port, path, [frame(stats)], { ...auth, "grpc-timeout": "soon" })).grpcStatus).toBe(String(grpc.status.INVALID_ARGUMENT));
      expect((await rawCall(port, path, [frame(stats), frame(stats)], auth)).grpcStatus).toBe(String(grpc.status.INVALID_ARGUMENT));
      expect((await rawCall(port, path, [], auth)).grpcStatus).toBe(String(grpc.status.INVALID_ARGUMENT));
      // A message split over several DATA frames is put back together.
      const whole = frame(stats);
      expect((await rawCall(port, path, [whole.subarray(0, 3), whole.subarray(3, 7), whole.subarray(7)], auth)).grpcStatus).toBe("0");
    });

    test("hundreds of concurrent unary calls on one connection each get their own answer", async () => {
      const ids = await Promise.all(Array.from({ length: 300 }, (_, i) => c.call(c.queue, "enqueue", { queueName: "many", payload: toStruct({ i }) }).then((r) => r.jobId)));
      expect(new Set(ids).size).toBe(300);
      const jobs = await Promise.all(ids.slice(0, 20).map((jobId) => c.call(c.queue, "getJob", { jobId })));
      expect(jobs.map((j) => fromStruct(j.job.payload)!.i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });
  });
}
