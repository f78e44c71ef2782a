import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import net from "node:net";
import http2 from "node:http2";
import { startTestServer, type TestServer } from "../helpers/server";
import { grpc, grpcClients, grpcPortOf, nextMessages, toStruct, type GrpcClients } from "../helpers/grpc";

/** Sends raw bytes on a fresh TCP connection and waits until the server closes it (or a short grace passes). */
function sendRaw(port: number, bytes: Buffer | string): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: "127.0.0.1", port }, () => socket.write(bytes));
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", () => {});
    const timer = setTimeout(() => socket.destroy(), 1500);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** One HTTP/2 request with a hand-made body; resolves with the response headers and trailers. */
function rawGrpcCall(port: number, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; grpcStatus: string | undefined; message: string | undefined }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    let status = 0;
    let grpcStatus: string | undefined;
    let message: string | undefined;
    req.on("response", (h) => {
      status = Number(h[":status"]);
      grpcStatus = h["grpc-status"] as string | undefined;
      message = h["grpc-message"] as string | undefined;
    });
    req.on("trailers", (t) => {
      grpcStatus = (t["grpc-status"] as string) ?? grpcStatus;
      message = (t["grpc-message"] as string) ?? message;
    });
    req.on("data", () => {});
    req.on("error", () => {});
    req.on("close", () => {
      session.close();
      resolve({ status, grpcStatus, message });
    });
    req.end(body);
  });
}

const frame = (payload: Buffer, compressed = 0, declaredLength = payload.length) => {
  const head = Buffer.alloc(5);
  head[0] = compressed;
  head.writeUInt32BE(declaredLength, 1);
  return Buffer.concat([head, payload]);
};

describe("the gRPC port under hostile input", () => {
  let s: TestServer;
  let c: GrpcClients;
  let key: string;
  let port: number;
  let survivor: any;
  beforeAll(async () => {
    s = await startTestServer("pglite");
    key = (await s.newOrg()).key;
    port = grpcPortOf(s);
    c = grpcClients(`127.0.0.1:${port}`, key);
    // A healthy stream that must keep working through everything below.
    survivor = c.queue.streamJobs({ queueName: "survivor", workerId: "steady" }, c.metadata);
    survivor.on("error", () => {});
    const first = nextMessages(survivor, 1);
    await c.call(c.queue, "enqueue", { queueName: "survivor", payload: toStruct({ n: 0 }) });
    await first;
  });
  afterAll(async () => {
    survivor?.cancel();
    c.close();
    await s.stop();
  });

  test("garbage bytes, HTTP/1.1 and broken HTTP/2 frames only close their own connection", async () => {
    await sendRaw(port, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)));
    await sendRaw(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await sendRaw(port, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"); // a TLS ClientHello start
    const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    // SETTINGS frame with a length that is not a multiple of 6, then a frame of an impossible size.
    await sendRaw(port, Buffer.concat([preface, Buffer.from([0, 0, 5, 4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5])]));
    await sendRaw(port, Buffer.concat([preface, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), Buffer.from([0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 1])]));
    // HEADERS on stream 1 whose HPACK block is nonsense.
    await sendRaw(port, Buffer.concat([preface, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), Buffer.from([0, 0, 4, 1, 5, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff])]));
    // A connection cut in the middle of the preface.
    await sendRaw(port, preface.subarray(0, 10));

    expect((await c.call(c.queue, "getQueueStats", { queueName: "survivor" })).queueName).toBe("survivor");
  });

  test("malformed, truncated, oversized and compressed messages get the client's error status, never INTERNAL", async () => {
    const path = "/spooled.v1.QueueService/GetQueueStats";
    const auth = { "x-api-key": key };
    const INVALID = String(grpc.status.INVALID_ARGUMENT);
    const cases: [string, Buffer, string, Record<string, string>?][] = [
      ["string field with an impossible length", frame(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])), INVALID],
      ["not protobuf at all", frame(Buffer.from([0xff, 0xff, 0xff])), INVALID],
      ["frame header promises more than arrives", frame(Buffer.from([0x0a, 0x05, 0x61]), 0, 50), INVALID],
      ["truncated frame header", Buffer.from([0, 0, 0]), INVALID],
      ["truncated message (string cut short)", frame(Buffer.from([0x0a, 0x05, 0x61, 0x62])), INVALID],
      ["invalid UTF-8 in a string (grpc-js's lone surrogate)", frame(Buffer.from([0x0a, 0x03, 0xed, 0xa0, 0x80])), INVALID],
      ["invalid UTF-8 byte", frame(Buffer.from([0x0a, 0x02, 0x61, 0xff])), INVALID],
      ["wrong wire type for a string field", frame(Buffer.from([0x0d, 0x01, 0x02, 0x03, 0x04])), INVALID],
      ["reserved wire type 7", frame(Buffer.from([0x0f, 0x01])), INVALID],
      ["varint longer than ten bytes", frame(Buffer.from([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), INVALID],
      ["field number zero", frame(Buffer.from([0x02, 0x01, 0x61])), INVALID],
      ["compressed flag without grpc-encoding", frame(Buffer.from([0x0a, 0x01, 0x61]), 1), String(grpc.status.UNIMPLEMENTED)],
      ["unknown grpc-encoding", frame(Buffer.from([0x0a, 0x01, 0x61]), 1), String(grpc.status.UNIMPLEMENTED), { "grpc-encoding": "snappy-9" }],
      ["a 2 GiB message announced", frame(Buffer.alloc(16), 0, 0x7fffffff), String(grpc.status.RESOURCE_EXHAUSTED)],
    ];
    const answers = [];
    for (const [what, body, expected, headers] of cases) {
      const r = await rawGrpcCall(port, path, body, { ...auth, ...headers });
      answers.push({ what, grpcStatus: r.grpcStatus, expected });
    }
    expect(answers.map((a) => ({ what: a.what, grpcStatus: a.grpcStatus }))).toEqual(answers.map((a) => ({ what: a.what, grpcStatus: a.expected })));
    const valid = await rawGrpcCall(port, path, frame(Buffer.from([0x0a, 0x01, 0x61])), auth);
    expect(valid.grpcStatus).toBe("0");
  });

  test("NUL in any string field is INVALID_ARGUMENT naming the field, through grpc-js and Connect", async () => {
    const calls: [any, string, object, string][] = [
      [c.queue, "getJob", { jobId: "\u0000" }, "job_id"],
      [c.queue, "renewLease", { jobId: "a", workerId: "a\u0000b", extensionSecs: 30 }, "worker_id"],
      [c.queue, "enqueue", { queueName: "q", payload: toStruct({ k: "v\u0000" }) }, "payload.k"],
      [c.queue, "enqueue", { queueName: "q", payload: toStruct({}), tags: { t: "\u0000" } }, "tags.t"],
      [c.worker, "deregister", { workerId: "\u0000" }, "worker_id"],
    ];
    for (const [client, method, request, field] of calls) {
      const err: any = await c.call(client, method, request).catch((e) => e);
      expect({ method, code: err.code, details: err.details }).toEqual({ method, code: grpc.status.INVALID_ARGUMENT, details: `${field} must not contain NUL characters or unpaired surrogates` });
    }
    const connect = await fetch(`${s.url}/spooled.v1.QueueService/GetJob`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: '{"jobId":"\\u0000"}' });
    expect({ status: connect.status, code: (await connect.json()).code }).toEqual({ status: 400, code: "invalid_argument" });
  });

  test("a 5 MiB body on the gRPC-web and Connect routes of the HTTP port is refused before it is read", async () => {
    const big = new Uint8Array(5 * 1024 * 1024);
    const url = `${s.url}/spooled.v1.QueueService/Enqueue`;
    const web = await fetch(url, { method: "POST", headers: { "content-type": "application/grpc-web+proto", "x-api-key": key }, body: big });
    expect(web.headers.get("grpc-status")).toBe(String(grpc.status.RESOURCE_EXHAUSTED));
    const connect = await fetch(url, { method: "POST", headers: { "content-type": "application/proto", "x-api-key": key }, body: big });
    expect(connect.status).toBe(413);
    expect((await connect.json()).code).toBe("resource_exhausted");
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  test("unknown services and methods are UNIMPLEMENTED", async () => {
    for (const path of ["/spooled.v1.QueueService/Nope", "/spooled.v2.QueueService/Enqueue", "/grpc.health.v1.Health/Check", "/"]) {
      const r = await rawGrpcCall(port, path, frame(Buffer.alloc(0)));
      expect(r.grpcStatus).toBe(String(grpc.status.UNIMPLEMENTED));
    }
    const err: any = await new Promise((resolve) =>
      c.queue.makeUnaryRequest("/spooled.v1.QueueService/Missing", (x: any) => x, (x: any) => x, Buffer.alloc(0), c.metadata, resolve),
    );
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  test("connections destroyed mid-stream release their jobs and leave the server serving", async () => {
    for (let i = 0; i < 5; i++) await c.call(c.queue, "enqueue", { queueName: "cut", payload: toStruct({ i }) });
    const doomed = grpcClients(`127.0.0.1:${port}`, key);
    const stream = doomed.queue.streamJobs({ queueName: "cut", workerId: "cut-worker" }, doomed.metadata);
    stream.on("error", () => {});
    await nextMessages(stream, 5);
    doomed.close();
    stream.cancel();
    const deadline = Date.now() + 10_000;
    let stats: any;
    do {
      await Bun.sleep(25);
      stats = await c.call(c.queue, "getQueueStats", { queueName: "cut" });
    } while (stats.pending !== "5" && Date.now() < deadline);
    expect(stats).toMatchObject({ pending: "5", processing: "0" });
  });

  test("the stream opened before all of this still receives jobs", async () => {
    const next = nextMessages(survivor, 2);
    await c.call(c.queue, "enqueue", { queueName: "survivor", payload: toStruct({ n: 1 }) });
    await c.call(c.queue, "enqueue", { queueName: "survivor", payload: toStruct({ n: 2 }) });
    expect((await next).map((j) => j.assignedWorkerId)).toEqual(["steady", "steady"]);
  });
});
