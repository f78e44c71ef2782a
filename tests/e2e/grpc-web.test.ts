import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { createClient, Code, ConnectError, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport as webConnect, createGrpcWebTransport as webGrpcWeb } from "@connectrpc/connect-web";
import { createConnectTransport as nodeConnect, createGrpcTransport as nodeGrpc, createGrpcWebTransport as nodeGrpcWeb } from "@connectrpc/connect-node";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer } from "../helpers/server";
import { grpcPortOf } from "../helpers/grpc";
import { QueueService, ProcessRequestSchema } from "../../gen/spooled/v1/queue_pb";
import { WorkerService } from "../../gen/spooled/v1/worker_pb";
import { JobStatus } from "../../gen/spooled/v1/job_pb";
import { create } from "@bufbuild/protobuf";

const withKey = (key: string): Interceptor => (next) => (req) => {
  req.header.set("x-api-key", key);
  return next(req);
};

async function connectError(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ConnectError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

for (const kind of await databaseKinds()) {
  describe(`gRPC-web and Connect clients (${kind})`, () => {
    let s: TestServer;
    let key: string;
    let grpcBase: string;
    beforeAll(async () => {
      s = await startTestServer(kind);
      key = (await s.newOrg()).key;
      grpcBase = `http://127.0.0.1:${grpcPortOf(s)}`;
    });
    afterAll(() => s.stop());

    /** Each client kind, built with or without the API key interceptor. */
    const transports: [string, (interceptors: Interceptor[]) => Transport][] = [
      ["gRPC-web (connect-web, HTTP app)", (interceptors) => webGrpcWeb({ baseUrl: s.url, interceptors })],
      ["Connect JSON (connect-web, HTTP app)", (interceptors) => webConnect({ baseUrl: s.url, useBinaryFormat: false, interceptors })],
      ["Connect binary (connect-web, HTTP app)", (interceptors) => webConnect({ baseUrl: s.url, useBinaryFormat: true, interceptors })],
      ["gRPC (connect-node, h2c gRPC port)", (interceptors) => nodeGrpc({ baseUrl: grpcBase, interceptors })],
      ["gRPC-web (connect-node, h2c gRPC port)", (interceptors) => nodeGrpcWeb({ baseUrl: grpcBase, httpVersion: "2", interceptors })],
      ["Connect JSON (connect-node, h2c gRPC port)", (interceptors) => nodeConnect({ baseUrl: grpcBase, httpVersion: "2", useBinaryFormat: false, interceptors })],
    ];

    for (const [name, makeTransport] of transports) {
      test(`${name}: unary calls, server streaming and error codes`, async () => {
        const transport = makeTransport([withKey(key)]);
        const queue = createClient(QueueService, transport);
        const workers = createClient(WorkerService, transport);
        const queueName = `web-${Math.random().toString(36).slice(2, 8)}`;

        const { jobId, created } = await queue.enqueue({ queueName, payload: { via: name, nested: { n: 1 } }, priority: 3 });
        expect(created).toBe(true);
        const { job } = await queue.getJob({ jobId });
        expect(job).toMatchObject({ id: jobId, queueName, status: JobStatus.PENDING, priority: 3, payload: { via: name, nested: { n: 1 } } });
        expect((await queue.getQueueStats({ queueName })).pending).toBe(1n);

        const abort = new AbortController();
        const stream = queue.streamJobs({ queueName, workerId: "web-worker" }, { signal: abort.signal });
        const seen: string[] = [];
        const second = queue.enqueue({ queueName, payload: { n: 2 } });
        try {
          for await (const j of stream) {
            expect(j.status).toBe(JobStatus.PROCESSING);
            seen.push(j.id);
            await queue.complete({ jobId: j.id, workerId: "web-worker", result: { ok: true } });
            if (seen.length === 2) abort.abort();
          }
        } catch (err) {
          expect(ConnectError.from(err).code).toBe(Code.Canceled);
        }
        expect(seen).toEqual([jobId, (await second).jobId]);
        expect((await queue.getJob({ jobId })).job?.result).toEqual({ ok: true });

        const reg = await workers.register({ queueName, hostname: "browser" });
        expect((await workers.heartbeat({ workerId: reg.workerId, status: "healthy" })).acknowledged).toBe(true);

        const invalid = await connectError(queue.enqueue({ queueName: "has space" }));
        expect(invalid.code).toBe(Code.InvalidArgument);
        expect(invalid.rawMessage).toBe("Queue name can only contain alphanumeric characters, dashes, underscores, and dots");
        const notFound = await connectError(queue.complete({ jobId: "non-existent-job-id", workerId: "w" }));
        expect(notFound.code).toBe(Code.NotFound);
        const anonymous = createClient(QueueService, makeTransport([]));
        const unauth = await connectError(anonymous.getJob({ jobId }));
        expect(unauth.code).toBe(Code.Unauthenticated);
      });
    }

    test("ProcessJobs (bidi) over connect-node HTTP/2 on the gRPC port", async () => {
      const queue = createClient(QueueService, nodeGrpc({ baseUrl: grpcBase, interceptors: [withKey(key)] }));
      const { jobId } = await queue.enqueue({ queueName: "web-bidi", payload: {} });
      const requests = [
        create(ProcessRequestSchema, { request: { case: "dequeue", value: { queueName: "web-bidi", workerId: "bw" } } }),
        create(ProcessRequestSchema, { request: { case: "complete", value: { jobId, workerId: "bw" } } }),
        create(ProcessRequestSchema, { request: { case: "dequeue", value: { queueName: "web-bidi", workerId: "bw" } } }),
      ];
      async function* send() {
        yield* requests;
      }
      const replies = [];
      for await (const r of queue.processJobs(send())) replies.push(r.response);
      expect(replies.map((r) => r.case)).toEqual(["job", "complete", "error"]);
      expect(replies[2].value).toMatchObject({ code: "NO_JOBS" });
    });

    test("a plain HTTP/1.1 POST with JSON is a Connect unary call", async () => {
      const r = await fetch(`${s.url}/spooled.v1.QueueService/GetQueueStats`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key },
        body: JSON.stringify({ queueName: "curl" }),
      });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ queueName: "curl", pending: "0", scheduled: "0", processing: "0", completed: "0", failed: "0", deadletter: "0", total: "0", maxAgeMs: "0" });
      const unknown = await fetch(`${s.url}/spooled.v1.QueueService/NoSuchMethod`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(unknown.status).toBe(404);
      const unauth = await fetch(`${s.url}/spooled.v1.QueueService/GetQueueStats`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(unauth.status).toBe(401);
      expect(await unauth.json()).toMatchObject({ code: "unauthenticated", message: "Missing x-api-key or authorization header" });
    });

    test("no CORS headers unless origins are configured", async () => {
      const preflight = await fetch(`${s.url}/spooled.v1.QueueService/Enqueue`, {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-api-key" },
      });
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    });
  });
}

describe("CORS for browser clients of the RPC routes (the app-wide CORS_ALLOWED_ORIGINS policy)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("pglite", { CORS_ALLOWED_ORIGINS: "https://app.example, https://admin.example" });
  });
  afterAll(() => s.stop());

  test("configured origins get preflight answers that allow the gRPC-web headers and expose the status", async () => {
    const preflight = await fetch(`${s.url}/spooled.v1.QueueService/Enqueue`, {
      method: "OPTIONS",
      headers: { origin: "https://admin.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-grpc-web,x-api-key" },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://admin.example");
    expect(preflight.headers.get("access-control-allow-headers")!.toLowerCase()).toContain("x-grpc-web");
    expect(preflight.headers.get("access-control-allow-headers")!.toLowerCase()).toContain("x-api-key");

    const key = (await s.newOrg()).key;
    const r = await fetch(`${s.url}/spooled.v1.WorkerService/Heartbeat`, {
      method: "POST",
      headers: { origin: "https://app.example", "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify({ workerId: "nobody" }),
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(r.headers.get("access-control-expose-headers")!.toLowerCase()).toContain("grpc-status");

    const other = await fetch(`${s.url}/spooled.v1.QueueService/Enqueue`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
