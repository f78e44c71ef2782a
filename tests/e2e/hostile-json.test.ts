import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import http2 from "node:http2";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { grpc, grpcClients, grpcPortOf, toStruct, type GrpcClients } from "../helpers/grpc";
import { deepEnqueueRequest, deepJson, deepJsonText, grpcFrame } from "../helpers/hostile";
import { DEFAULT_JSON_MAX_DEPTH } from "../../src/domain/json-limits";

/** One gRPC call with a hand-made body on :50051; resolves with the gRPC status and message. */
function rawGrpc(port: number, path: string, body: Uint8Array, key: string): Promise<{ grpcStatus?: string; message?: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", "x-api-key": key });
    const out: { grpcStatus?: string; message?: string } = {};
    const take = (h: http2.IncomingHttpHeaders) => {
      out.grpcStatus = (h["grpc-status"] as string) ?? out.grpcStatus;
      out.message = (h["grpc-message"] as string) ?? out.message;
    };
    req.on("response", take);
    req.on("trailers", take);
    req.on("data", () => {});
    req.on("error", () => {});
    req.on("close", () => {
      session.close();
      resolve(out);
    });
    req.end(grpcFrame(body));
  });
}

describe.each(await databaseKinds())("deep JSON in every stored JSON field (%s)", (kind) => {
  let s: TestServer;
  let c: Client;
  let key: string;
  let orgId: string;
  let claimedId: string;
  let scheduleId: string;
  let workerId: string;
  let g: GrpcClients;

  beforeAll(async () => {
    s = await startTestServer(kind, { SPINDLE_LOOPS: "false" });
    const org = await s.newOrg();
    ({ key, orgId } = org);
    c = org.client;
    await c.post("/api/v1/jobs", { queue_name: "deep-claimed", payload: {} });
    claimedId = (await c.post("/api/v1/jobs/claim", { queue_name: "deep-claimed", worker_id: "w" })).body.jobs[0].id;
    scheduleId = (await c.post("/api/v1/schedules", { name: "deep", cron_expression: "0 0 * * * *", queue_name: "deep", payload_template: {} })).body.id;
    workerId = (await c.post("/api/v1/workers/register", { queue_name: "deep", hostname: "h" })).body.id;
    g = grpcClients(`127.0.0.1:${grpcPortOf(s)}`, key);
  });
  afterAll(async () => {
    g?.close();
    await s.stop();
  });

  /** [route, field named in the answer, body with the deep value spliced in as text]. */
  const routes = (deep: string): [string, string, string, string][] => [
    ["POST", "/api/v1/jobs", "payload", `{"queue_name":"deep","payload":${deep}}`],
    ["POST", "/api/v1/jobs", "tags", `{"queue_name":"deep","payload":{},"tags":${deep}}`],
    ["POST", "/api/v1/jobs/bulk", "jobs.0.payload", `{"queue_name":"deep","jobs":[{"payload":${deep}}]}`],
    ["POST", `/api/v1/jobs/${claimedId}/complete`, "result", `{"worker_id":"w","result":${deep}}`],
    ["POST", "/api/v1/jobs/complete", "jobs.0.result", `{"worker_id":"w","jobs":[{"job_id":"${claimedId}","result":${deep}}]}`],
    ["PUT", `/api/v1/organizations/${orgId}`, "settings", `{"settings":${deep}}`],
    ["POST", "/api/v1/schedules", "payload_template", `{"name":"d","cron_expression":"0 0 * * * *","queue_name":"deep","payload_template":${deep}}`],
    ["POST", "/api/v1/schedules", "metadata", `{"name":"d","cron_expression":"0 0 * * * *","queue_name":"deep","payload_template":{},"metadata":${deep}}`],
    ["POST", "/api/v1/schedules", "tags", `{"name":"d","cron_expression":"0 0 * * * *","queue_name":"deep","payload_template":{},"tags":${deep}}`],
    ["PUT", `/api/v1/schedules/${scheduleId}`, "payload_template", `{"payload_template":${deep}}`],
    ["PUT", `/api/v1/schedules/${scheduleId}`, "metadata", `{"metadata":${deep}}`],
    ["POST", "/api/v1/workflows", "jobs.0.payload", `{"name":"w","jobs":[{"key":"a","queue_name":"deep","payload":${deep}}]}`],
    ["POST", "/api/v1/workflows", "metadata", `{"name":"w","jobs":[{"key":"a","queue_name":"deep","payload":{}}],"metadata":${deep}}`],
    ["POST", "/api/v1/workers/register", "metadata", `{"queue_name":"deep","hostname":"h","metadata":${deep}}`],
    ["POST", `/api/v1/workers/${workerId}/heartbeat`, "metadata", `{"current_jobs":0,"metadata":${deep}}`],
    ["PUT", "/api/v1/queues/deep/config", "settings", `{"settings":${deep}}`],
    ["POST", `/api/v1/webhooks/${orgId}/custom`, "payload", `{"queue_name":"deep","payload":${deep}}`],
  ];

  /** After each hostile request the database still refuses what it must at once, and /health says healthy. */
  async function databaseStillAnswers() {
    expect((await c.get("/api/v1/api-keys/%00")).status).toBe(404);
    expect((await c.get("/api/v1/jobs/%00")).status).toBe(404);
    const health = await fetch(`${s.url}/health`);
    expect(health.status).toBe(200);
    expect((await health.json()).status).toBe("healthy");
  }

  for (const depth of [DEFAULT_JSON_MAX_DEPTH + 1, 5_000, 50_000]) {
    test(`REST: ${depth} levels are a 400 naming the field, and the database keeps answering`, async () => {
      const deep = deepJsonText(depth);
      for (const [method, path, field, body] of routes(deep)) {
        const r = await c.request(method, path, body);
        expect({ route: `${method} ${path} ${field}`, status: r.status, field: r.body?.details?.[0]?.field }).toEqual({ route: `${method} ${path} ${field}`, status: 400, field });
        expect(r.body.details[0].message).toContain(`${DEFAULT_JSON_MAX_DEPTH} levels`);
        await databaseStillAnswers();
      }
    });
  }

  test("the limit itself passes on REST and gRPC alike", async () => {
    const atLimit = deepJson(DEFAULT_JSON_MAX_DEPTH);
    const rest = await c.post("/api/v1/jobs", { queue_name: "deep-ok", payload: atLimit });
    expect(rest.status).toBe(201);
    expect((await c.get(`/api/v1/jobs/${rest.body.id}`)).body.payload).toEqual(atLimit);
    // Over gRPC, as raw protobuf (grpc-js itself refuses to encode beyond about 48 levels: protobufjs counts two
    // messages per Struct level against its own limit of 100, so it is tried at 40 below).
    const viaGrpc = await rawGrpc(grpcPortOf(s), "/spooled.v1.QueueService/Enqueue", deepEnqueueRequest("deep-ok", DEFAULT_JSON_MAX_DEPTH), key);
    expect(viaGrpc.grpcStatus).toBe("0");
    const viaGrpcJs = await g.call(g.queue, "enqueue", { queueName: "deep-ok", payload: toStruct(deepJson(40)) });
    expect((await c.get(`/api/v1/jobs/${viaGrpcJs.jobId}`)).body.payload).toEqual(deepJson(40));
    // Over Connect on the HTTP port.
    const connect = await fetch(`${s.url}/spooled.v1.QueueService/Enqueue`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify({ queueName: "deep-ok", payload: atLimit }),
    });
    expect(connect.status).toBe(200);
  });

  for (const depth of [DEFAULT_JSON_MAX_DEPTH + 1, 5_000, 50_000]) {
    test(`gRPC and Connect: ${depth} levels are INVALID_ARGUMENT, and the database keeps answering`, async () => {
      const binary = deepEnqueueRequest("deep", depth);
      const grpcAnswer = await rawGrpc(grpcPortOf(s), "/spooled.v1.QueueService/Enqueue", binary, key);
      expect(grpcAnswer.grpcStatus).toBe(String(grpc.status.INVALID_ARGUMENT));
      if (depth === DEFAULT_JSON_MAX_DEPTH + 1) expect(decodeURIComponent(grpcAnswer.message ?? "")).toContain("payload");
      for (const [contentType, body] of [["application/proto", binary], ["application/json", `{"queueName":"deep","payload":${deepJsonText(depth)}}`]] as const) {
        const r = await fetch(`${s.url}/spooled.v1.QueueService/Enqueue`, { method: "POST", headers: { "content-type": contentType, "x-api-key": key }, body: body as BodyInit });
        expect({ contentType, status: r.status, code: (await r.json()).code }).toEqual({ contentType, status: 400, code: "invalid_argument" });
      }
      // A worker's result over Connect-JSON, the same limit.
      const complete = await fetch(`${s.url}/spooled.v1.QueueService/Complete`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key },
        body: `{"jobId":"${claimedId}","workerId":"w","result":${deepJsonText(depth)}}`,
      });
      expect({ status: complete.status, code: (await complete.json()).code }).toEqual({ status: 400, code: "invalid_argument" });
      await databaseStillAnswers();
    });
  }

  test("no deep value was stored anywhere", async () => {
    const [row] = await s.db.query(`SELECT count(*)::int AS n FROM jobs WHERE queue_name = 'deep'`);
    expect(row!.n).toBe(0);
  });
});
