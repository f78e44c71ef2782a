import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer } from "../helpers/server";

/** Values of every wrong shape; each is put in place of every field of every route. */
const deep = (depth: number) => JSON.parse("[".repeat(depth) + "]".repeat(depth));
const GARBAGE: [string, unknown][] = [
  ["null", null],
  ["negative", -1],
  ["huge negative", -1e308],
  ["huge number", 1e308],
  ["fraction", 1.5],
  ["max int + 1", 2 ** 53 + 1],
  ["int32 overflow", 2 ** 31],
  ["empty string", ""],
  ["numeric string", "42"],
  ["huge string", "x".repeat(300_000)],
  ["unicode", "💥\u0000\uFFFF\uD800 ünï ‮rtl"],
  ["sql", "'; DROP TABLE jobs; --"],
  ["object", { nested: { garbage: [1, "two", null] } }],
  ["array", [1, 2, 3]],
  ["array of objects", [{ a: 1 }, { b: [] }]],
  ["boolean", true],
  ["bad date", "2024-13-45T99:99:99Z"],
  ["deep nesting", deep(2000)],
];

/** Whole bodies that are not what any route accepts. */
const BAD_BODIES: [string, string][] = [
  ["truncated object", '{"queue_name": "q", "payload": '],
  ["single quotes", "{'queue_name': 'q'}"],
  ["trailing comma", '{"a": 1,}'],
  ["bare word", "nul"],
  ["NaN", "NaN"],
  ["control bytes", "\u0000\u0001\u0002"],
  ["lone surrogate", '{"a": "\\uD800"}'],
  ["array", "[]"],
  ["array of objects", '[{"queue_name": "q", "payload": {}}]'],
  ["string", '"just a string"'],
  ["number", "-12345"],
  ["boolean", "true"],
  ["null", "null"],
  ["form encoded", "queue_name=q&payload=x"],
  ["huge unterminated", "[" + '"x",'.repeat(200_000)],
  ["deeply nested", "[".repeat(100_000) + "]".repeat(100_000)],
  ["duplicate keys", '{"priority": 1, "priority": "high"}'],
];

const BAD_IDS = [
  "not-a-uuid", "00000000-0000-0000-0000-000000000000", "%20", "%25", "%ZZ", "%", "💥", "..", "a".repeat(5000),
  "' OR '1'='1", "%00", "null", "-1", "1e308", "%E2%80%AE",
];

const BAD_QUERIES = [
  "limit=-1", "limit=abc", "limit=1e99", "limit=99999999999999999999", "offset=-5", "offset=1.5", "status=💥", "status=",
  "queue_name=" + "q".repeat(5000), "queue_name=%00", "tag=%ZZ", "ids=", "ids=,,,", "ids=" + "x,".repeat(150),
  "queue_name[]=a&queue_name[]=b", "limit=%", "delete_jobs=maybe",
];

interface Route {
  method: string;
  path: string;
  valid: Record<string, unknown>;
}

describe.each(await databaseKinds())("malformed requests never cause a 5xx or a partial write (%s)", (kind) => {
  let s: TestServer;
  let key: string;
  let jobId: string;

  beforeAll(async () => {
    // No background loops: the only writes are the requests' own.
    s = await startTestServer(kind, { SPINDLE_LOOPS: "false" });
    const org = await s.newOrg();
    key = org.key;
    jobId = (await org.client.post("/api/v1/jobs", { queue_name: "mal", payload: { n: 1 } })).body.id;
    await org.client.post("/api/v1/jobs", { queue_name: "mal-claimed", payload: { n: 2 } });
    await org.client.post("/api/v1/jobs/claim", { queue_name: "mal-claimed", worker_id: "w" });
  });
  afterAll(() => s.stop());

  const rowCounts = async () =>
    (await s.db.query(
      `SELECT (SELECT count(*) FROM jobs)::int AS jobs, (SELECT count(*) FROM job_events)::int AS events,
              (SELECT count(*) FROM queue_config)::int AS queues, (SELECT count(*) FROM organizations)::int AS orgs,
              (SELECT count(*) FROM api_keys)::int AS keys`,
    ))[0];

  const problems: string[] = [];
  let sent = 0;

  /** One request; records a problem for any 5xx, a 4xx without the envelope, or a 4xx that left rows behind. */
  async function probe(what: string, method: string, path: string, body?: string, contentType = "application/json") {
    const before = await rowCounts();
    let res: Response;
    try {
      res = await fetch(s.url + path, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": contentType },
        body,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      problems.push(`${what}: ${method} ${path.slice(0, 80)}: no answer (${(err as Error).message})`);
      return;
    }
    sent++;
    const text = await res.text();
    const label = `${what}: ${method} ${path.slice(0, 80)} -> ${res.status}`;
    if (res.status >= 500) return void problems.push(`${label} ${text.slice(0, 200)}`);
    if (res.status < 400) return;
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      return void problems.push(`${label}: body is not JSON: ${text.slice(0, 100)}`);
    }
    if (typeof json?.code !== "string" || typeof json?.message !== "string") problems.push(`${label}: no code/message: ${text.slice(0, 200)}`);
    if (json.code === "VALIDATION_ERROR") {
      const fieldsNamed = Array.isArray(json.details) && json.details.length > 0 && json.details.every((d: any) => typeof d.field === "string" && d.field.length > 0);
      if (!fieldsNamed) problems.push(`${label}: validation error without details[].field: ${text.slice(0, 200)}`);
    }
    const after = await rowCounts();
    if (JSON.stringify(after) !== JSON.stringify(before)) problems.push(`${label}: rejected but rows changed ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  }

  const bodyRoutes = (): Route[] => [
    { method: "POST", path: "/api/v1/jobs", valid: { queue_name: "mal", payload: { a: 1 }, priority: 1, max_retries: 1, timeout_seconds: 10, scheduled_at: "2030-01-01T00:00:00Z", expires_at: "2031-01-01T00:00:00Z", idempotency_key: "k", tags: ["t"], parent_job_id: jobId, completion_webhook: "https://example.com/h" } },
    { method: "POST", path: "/api/v1/jobs/bulk", valid: { queue_name: "mal", jobs: [{ payload: 1, priority: 1, idempotency_key: "b", scheduled_at: "2030-01-01T00:00:00Z" }], default_priority: 0, default_max_retries: 1, default_timeout_seconds: 5 } },
    { method: "POST", path: "/api/v1/jobs/claim", valid: { queue_name: "mal-empty", worker_id: "w", limit: 5, lease_duration_secs: 30, wait_ms: 0 } },
    { method: "POST", path: "/api/v1/jobs/complete", valid: { worker_id: "w", jobs: [{ job_id: jobId, lease_id: "l", result: { ok: 1 } }] } },
    { method: "POST", path: "/api/v1/jobs/dlq/retry", valid: { job_ids: [jobId], queue_name: "mal-empty", limit: 5 } },
    { method: "POST", path: "/api/v1/jobs/dlq/purge", valid: { confirm: true, queue_name: "mal-empty", older_than: "2020-01-01T00:00:00Z", limit: 5 } },
    { method: "PUT", path: `/api/v1/jobs/${jobId}/priority`, valid: { priority: 3 } },
    { method: "POST", path: `/api/v1/jobs/${jobId}/complete`, valid: { worker_id: "w", result: { ok: 1 }, lease_id: "l" } },
    { method: "POST", path: `/api/v1/jobs/${jobId}/fail`, valid: { worker_id: "w", error: "e", lease_id: "l" } },
    { method: "POST", path: `/api/v1/jobs/${jobId}/heartbeat`, valid: { worker_id: "w", lease_duration_secs: 30, lease_id: "l" } },
    { method: "POST", path: `/api/v1/jobs/${jobId}/retry`, valid: {} },
    { method: "PUT", path: "/api/v1/queues/mal/config", valid: { queue_name: "mal", max_retries: 2, default_timeout: 30, rate_limit: 10, enabled: true, settings: { a: 1 } } },
    { method: "POST", path: "/api/v1/queues/mal-paused/pause", valid: { reason: "r" } },
    { method: "POST", path: "/api/v1/queues/mal-paused/resume", valid: {} },
    { method: "POST", path: "/api/v1/organizations", valid: { name: "Some Org", slug: "some-org-x", billing_email: "a@b.co" } },
  ];

  test("wrong types, huge strings, unicode, numbers out of range and nested garbage in every field", async () => {
    for (const route of bodyRoutes()) {
      for (const field of [...Object.keys(route.valid), "jobs.0.payload", "jobs.0.priority"]) {
        if (field.startsWith("jobs.") && !route.path.endsWith("/bulk")) continue;
        for (const [name, value] of GARBAGE) {
          const body = structuredClone(route.valid);
          if (field.startsWith("jobs.")) (body.jobs as any[])[0][field.slice(5)] = value;
          else body[field] = value;
          await probe(`${field}=${name}`, route.method, route.path, JSON.stringify(body));
        }
      }
      await probe("extra fields", route.method, route.path, JSON.stringify({ ...route.valid, surprise: GARBAGE, __proto__: { x: 1 }, constructor: "y" }));
    }
    expect(problems).toEqual([]);
  });

  test("bodies that are not JSON objects, on every route that takes a body", async () => {
    for (const route of bodyRoutes()) {
      for (const [name, body] of BAD_BODIES) await probe(name, route.method, route.path, body);
      await probe("text/plain garbage", route.method, route.path, "hello", "text/plain");
    }
    expect(problems).toEqual([]);
  });

  test("bad path ids and names, and bad query parameters, on every job, DLQ and queue route", async () => {
    for (const raw of BAD_IDS) {
      for (const [method, suffix] of [["GET", ""], ["DELETE", ""], ["POST", "/retry"], ["PUT", "/priority"], ["GET", "/history"], ["POST", "/complete"], ["POST", "/fail"], ["POST", "/heartbeat"]] as const) {
        const body = method === "GET" || method === "DELETE" ? undefined : JSON.stringify({ priority: 1, worker_id: "w", error: "e", lease_duration_secs: 30 });
        await probe(`job id ${raw.slice(0, 20)}`, method, `/api/v1/jobs/${raw}${suffix}`, body);
      }
      for (const [method, suffix] of [["GET", ""], ["GET", "/stats"], ["PUT", "/config"], ["POST", "/pause"], ["POST", "/resume"], ["DELETE", "?delete_jobs=true"]] as const) {
        await probe(`queue ${raw.slice(0, 20)}`, method, `/api/v1/queues/${raw}${suffix}`, method === "GET" || method === "DELETE" ? undefined : "{}");
      }
    }
    for (const query of BAD_QUERIES) {
      for (const path of ["/api/v1/jobs", "/api/v1/jobs/dlq", "/api/v1/jobs/stats", "/api/v1/jobs/status", `/api/v1/jobs/${jobId}/history`, "/api/v1/queues", "/api/v1/queues/mal/stats"]) {
        await probe(`query ${query.slice(0, 30)}`, "GET", `${path}?${query}`);
      }
      await probe(`query ${query.slice(0, 30)}`, "DELETE", `/api/v1/queues/mal-none?${query}`);
    }
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(800);
  });
});
