import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Hono } from "hono";
import { inspectRoutes } from "hono/dev";
import { validate } from "@readme/openapi-parser";
import createClient from "openapi-fetch";
import { databaseKinds } from "../helpers/databases";
import { eventually } from "../helpers/eventually";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { FEATURES } from "../../src/features";
import type { Feature } from "../../src/features/feature";
import { ROUTES, NOT_REST, type RouteDoc } from "../../src/http/openapi/routes";
import * as shapes from "../../src/http/openapi/responses";
import { generateOpenApiTypes } from "../../scripts/openapi-types";
import type { paths } from "../generated/spindle-api";

/** A feature that only keeps a handle on the finished app, to read the routes hono really serves. */
function routeProbe() {
  let root: Hono<any> | undefined;
  const feature: Feature = { name: "route-probe", build: () => ({ routes: (mounts) => void (root = mounts.root) }) };
  const served = () =>
    [...new Set(inspectRoutes(root!).filter((r) => !r.isMiddleware).map((r) => `${r.method.toLowerCase()} ${r.path}`))].sort();
  return { feature, served };
}

for (const kind of await databaseKinds()) {
  describe(`OpenAPI document (${kind})`, () => {
    const probe = routeProbe();
    let s: TestServer;
    let doc: any;
    beforeAll(async () => {
      s = await startTestServer(kind, {}, [...FEATURES, probe.feature]);
      const r = await s.client().get("/api/v1/openapi.json");
      expect(r.status).toBe(200);
      doc = r.body;
    });
    afterAll(() => s.stop());

    test("is a valid OpenAPI 3.1 document", async () => {
      expect(doc.openapi).toBe("3.1.0");
      // validate() dereferences in place: give it a copy.
      const result = await validate(structuredClone(doc));
      if (!result.valid) console.error(JSON.stringify(result.errors, null, 2).slice(0, 4000));
      expect(result.valid).toBe(true);
      const ids = Object.values(doc.paths).flatMap((p: any) => Object.values(p).map((op: any) => op.operationId));
      expect(new Set(ids).size).toBe(ids.length);
    });

    test("every route the router serves is documented, and every documented route is served", () => {
      const served = probe.served();
      const isNotRest = (route: string) => {
        const [method, path] = route.split(" ") as [string, string];
        return NOT_REST.some((n) => (n.method === "*" || n.method === method) && n.pattern.test(path));
      };
      const documented = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
      expect(served.filter((r) => !isNotRest(r)).sort()).toEqual(documented);
      // Each exception still names something served, so the list cannot outlive its routes.
      for (const n of NOT_REST) expect(served.some((r) => n.pattern.test(r.split(" ")[1]!))).toBe(true);
      // And the document is the table: the same operations under OpenAPI's spelling of the paths.
      const inDoc = Object.entries(doc.paths).flatMap(([path, ops]: [string, any]) => Object.keys(ops).map((m) => `${m} ${path}`)).sort();
      expect(inDoc).toEqual(documented.map((r) => r.replace(/:([A-Za-z_]\w*)/g, "{$1}")).sort());
    });

    test("every documented body and answer is a schema under components", () => {
      for (const ops of Object.values(doc.paths) as any[]) {
        for (const op of Object.values(ops) as any[]) {
          for (const [status, answer] of Object.entries(op.responses) as [string, any][]) {
            if (Number(status) >= 400) expect(answer.$ref).toBe(`#/components/responses/Error${status}`);
          }
          const schemaRef = op.requestBody?.content["application/json"].schema.$ref;
          if (schemaRef) expect(doc.components.schemas[schemaRef.split("/").pop()]).toBeDefined();
        }
      }
      // Request bodies are the validating schemas: their constraints show up in the document.
      expect(doc.components.schemas.CreateJobRequest.required).toEqual(["queue_name", "payload"]);
      expect(doc.components.schemas.ClaimRequest.properties.limit).toMatchObject({ type: "integer", minimum: 1, maximum: 100 });
    });

    test("a client generated from it enqueues, claims and completes a job; answers match the documented shapes", async () => {
      const anonymous = createClient<paths>({ baseUrl: s.url });
      const org = await anonymous.POST("/api/v1/organizations", { body: { name: "OpenAPI Org", slug: `openapi-${kind}-${Date.now().toString(36)}` } });
      expect(org.response.status).toBe(201);
      shapes.createdOrganization.parse(org.data);
      const api = createClient<paths>({ baseUrl: s.url, headers: { authorization: `Bearer ${org.data!.api_key.key}` } });

      const created = await api.POST("/api/v1/jobs", { body: { queue_name: "openapi", payload: { hello: "world" }, priority: 5 } });
      expect(created.response.status).toBe(201);
      const id = shapes.createdJob.parse(created.data).id;

      const claimed = await api.POST("/api/v1/jobs/claim", { body: { queue_name: "openapi", worker_id: "typed-worker" } });
      expect(claimed.response.status).toBe(200);
      const [lease] = shapes.claimed.parse(claimed.data).jobs;
      expect(lease).toMatchObject({ id, payload: { hello: "world" } });

      const done = await api.POST("/api/v1/jobs/{id}/complete", { params: { path: { id } }, body: { worker_id: "typed-worker", lease_id: lease!.lease_id, result: { ok: 1 } } });
      expect(done.response.status).toBe(200);
      shapes.success.parse(done.data);

      const read = await api.GET("/api/v1/jobs/{id}", { params: { path: { id } } });
      expect(shapes.job.parse(read.data)).toMatchObject({ status: "completed", result: { ok: 1 }, priority: 5 });
      const listed = await api.GET("/api/v1/jobs", { params: { query: { queue_name: "openapi" } } });
      expect(shapes.jobSummary.array().parse(listed.data)).toHaveLength(1);
      const history = await api.GET("/api/v1/jobs/{id}/history", { params: { path: { id } } });
      expect(shapes.jobEvent.array().parse(history.data).map((e) => e.event)).toContain("completed");
      const queues = await api.GET("/api/v1/queues");
      shapes.queueSummary.array().parse(queues.data);
      const paused = await api.POST("/api/v1/queues/{name}/pause", { params: { path: { name: "openapi" } }, body: { reason: "typed" } });
      shapes.queuePaused.parse(paused.data);
      const queue = await api.GET("/api/v1/queues/{name}", { params: { path: { name: "openapi" } } });
      shapes.queueConfig.parse(queue.data);
      shapes.queueResumed.parse((await api.POST("/api/v1/queues/{name}/resume", { params: { path: { name: "openapi" } } })).data);
      shapes.jobStats.parse((await api.GET("/api/v1/jobs/stats")).data);
      shapes.health.parse((await anonymous.GET("/health")).data);

      // A documented error: the body has the Error shape and names the field.
      const bad = await api.POST("/api/v1/jobs", { body: { queue_name: "", payload: 1 } });
      expect(bad.response.status).toBe(400);
      const problem = shapes.errorBody.parse(bad.error);
      expect(problem.code).toBe("VALIDATION_ERROR");
      expect(problem.details!.map((d) => d.field)).toContain("queue_name");
    });

    test("real answers match the answer schema the table documents for their route, status included", async () => {
      const { client: api, orgId } = await s.newOrg();
      const checked = new Set<string>();
      const routeOf = (method: string, path: string): RouteDoc => {
        const found = ROUTES.filter((r) => r.method === method && new RegExp(`^${r.path.replace(/:[A-Za-z_]\w*/g, "[^/]+")}$`).test(path.split("?")[0]!));
        // A literal path segment beats a parameter (/jobs/dlq before /jobs/:id), as in the router.
        return found.sort((a, b) => (a.path.match(/:/g)?.length ?? 0) - (b.path.match(/:/g)?.length ?? 0))[0]!;
      };
      const documented = async (client: Client, method: "get" | "post" | "put" | "delete", path: string, body?: unknown) => {
        const route = routeOf(method, path);
        const r = await client.request(method.toUpperCase(), path, body);
        if (r.status !== route.ok.status) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}, documented ${route.ok.status}`);
        if (route.ok.body) {
          const schema = route.ok.array ? route.ok.body.schema.array() : route.ok.body.schema;
          const parsed = schema.safeParse(r.body);
          if (!parsed.success) throw new Error(`${method} ${path}: answer does not match ${route.ok.body.name}: ${parsed.error.message}`);
          // An empty list shows nothing of its items' shape.
          if (!Array.isArray(r.body) || r.body.length > 0) checked.add(route.ok.body.name);
        }
        return r.body;
      };

      await documented(s.client(), "get", "/health/ready");
      await documented(api, "get", "/api/v1/organizations");
      await documented(api, "get", `/api/v1/organizations/${orgId}`);
      await documented(api, "get", "/api/v1/organizations/webhook-token");
      const key = await documented(api, "post", "/api/v1/api-keys", { name: "second" });
      await documented(api, "get", "/api/v1/api-keys");
      await documented(api, "get", `/api/v1/api-keys/${key.id}`);

      const worker = await documented(api, "post", "/api/v1/workers/register", { queue_name: "shapes", hostname: "host-1" });
      await documented(api, "get", "/api/v1/workers");
      await documented(api, "get", `/api/v1/workers/${worker.id}`);
      await documented(api, "post", `/api/v1/workers/${worker.id}/heartbeat`, { current_jobs: 0 });

      const job = await documented(api, "post", "/api/v1/jobs", { queue_name: "shapes", payload: { n: 1 }, max_retries: 0 });
      await documented(api, "get", `/api/v1/jobs/status?ids=${job.id}`);
      let lease = (await documented(api, "post", "/api/v1/jobs/claim", { queue_name: "shapes", worker_id: "w" })).jobs[0];
      await documented(api, "post", `/api/v1/jobs/${job.id}/heartbeat`, { worker_id: "w", lease_id: lease.lease_id, lease_duration_secs: 30 });
      await documented(api, "post", `/api/v1/jobs/${job.id}/fail`, { worker_id: "w", lease_id: lease.lease_id, error: "boom" });
      await documented(api, "get", "/api/v1/jobs/dlq");
      await documented(api, "post", "/api/v1/jobs/dlq/retry", { job_ids: [job.id] });
      lease = (await documented(api, "post", "/api/v1/jobs/claim", { queue_name: "shapes", worker_id: "w" })).jobs[0];
      await documented(api, "post", "/api/v1/jobs/complete", { worker_id: "w", jobs: [{ job_id: job.id, lease_id: lease.lease_id }] });
      await documented(api, "post", "/api/v1/jobs/dlq/purge", { confirm: true });
      await documented(api, "get", `/api/v1/jobs/${job.id}`);

      await documented(api, "post", "/api/v1/jobs/bulk", { queue_name: "shapes-bulk", jobs: [{ payload: { a: 1 } }, { payload: { a: 2 }, idempotency_key: "k" }] });
      await documented(api, "get", "/api/v1/queues/shapes-bulk/stats");

      const flow = await documented(api, "post", "/api/v1/workflows", {
        name: "shapes",
        jobs: [{ key: "a", queue_name: "shapes-flow", payload: {} }, { key: "b", queue_name: "shapes-flow", payload: {}, depends_on: ["a"] }],
      });
      await documented(api, "get", "/api/v1/workflows");
      await documented(api, "get", `/api/v1/workflows/${flow.workflow_id}`);
      await documented(api, "get", `/api/v1/workflows/${flow.workflow_id}/jobs`);
      await documented(api, "get", `/api/v1/workflows/${flow.workflow_id}/jobs/status`);

      const schedule = await documented(api, "post", "/api/v1/schedules", { name: "shapes", cron_expression: "0 0 3 * * *", queue_name: "shapes", payload_template: {} });
      await documented(api, "get", "/api/v1/schedules");
      await documented(api, "post", `/api/v1/schedules/${schedule.id}/trigger`);
      await documented(api, "get", `/api/v1/schedules/${schedule.id}/history`);

      // A webhook to a port nobody listens on: the next completed job makes a delivery whose attempt fails.
      const hook = await documented(api, "post", "/api/v1/outgoing-webhooks", { name: "shapes", url: "http://127.0.0.1:9/hook", events: ["job.completed"] });
      await documented(api, "get", "/api/v1/outgoing-webhooks");
      const notified = await documented(api, "post", "/api/v1/jobs", { queue_name: "shapes-notify", payload: {} });
      const notifiedLease = (await documented(api, "post", "/api/v1/jobs/claim", { queue_name: "shapes-notify", worker_id: "w" })).jobs[0];
      await documented(api, "post", `/api/v1/jobs/${notified.id}/complete`, { worker_id: "w", lease_id: notifiedLease.lease_id });
      const [delivery] = await eventually(() => api.get(`/api/v1/outgoing-webhooks/${hook.id}/deliveries`).then((r) => r.body), (list) => list.length > 0 && list[0].attempts > 0);
      await documented(api, "get", `/api/v1/outgoing-webhooks/${hook.id}/deliveries`);
      await documented(api, "get", `/api/v1/outgoing-webhooks/${hook.id}/deliveries/${delivery.id}/attempts`);
      await documented(api, "post", "/api/v1/delivery-queues/spindle.http.shapes/secrets", {});
      await documented(api, "get", "/api/v1/delivery-queues/spindle.http.shapes/secrets");

      await documented(api, "post", "/api/v1/jobs/bulk-cancel", { queue_name: "shapes-bulk" }); // a dry run
      await documented(api, "post", "/api/v1/jobs/bulk-cancel", { queue_name: "shapes-bulk", dry_run: false });
      await documented(api, "get", "/api/v1/operations");
      await documented(api, "get", "/api/v1/audit-log");

      // Every strict (field-by-field) answer schema of the table met a real answer above or in the client test.
      const strict = new Set(ROUTES.flatMap((r) => (r.ok.body && (r.ok.body.schema as any)._zod.def.catchall?._zod.def.type === "never" ? [r.ok.body.name] : [])));
      const elsewhere = ["CreatedOrganization", "CreatedJob", "ClaimedJobs", "Success", "JobSummary", "JobEvent", "QueueSummary", "QueuePaused", "QueueConfig", "QueueResumed", "JobStats", "Health"];
      const unchecked = [...strict].filter((name) => !checked.has(name) && !elsewhere.includes(name));
      expect(unchecked).toEqual([]);
    });

    test("the reference page lists every route", async () => {
      const page = await fetch(`${s.url}/ui/api-reference`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
      const html = await page.text();
      for (const r of ROUTES) expect(html).toContain(r.path.replace(/:([A-Za-z_]\w*)/g, "{$1}"));
    });
  });
}

test("tests/generated/spindle-api.d.ts is what npm run gen:openapi makes of the current route table", async () => {
  const committed = readFileSync(resolve(import.meta.dir, "../generated/spindle-api.d.ts"), "utf8");
  expect(committed === (await generateOpenApiTypes())).toBe(true);
});
