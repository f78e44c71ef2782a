import { Hono } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { intQuery, pathId, readBody } from "../body";
import * as operations from "../../engine/operations";
import { bulkFilterSchema, redriveSchema, type OperationKind } from "../../domain/operation-schemas";
import { jobView } from "../../domain/views";
import { auditEntryView, operationView } from "../../domain/operation-views";

/** POST /api/v1/jobs/redrive | bulk-cancel | bulk-purge: one filter, three actions, dry run by default. */
export function bulkJobRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  const start = (kind: OperationKind, r: { principal: any; body: any }) => operations.startOperation(engine, r.principal, kind, r.body);
  const answer = (r: any) => (r.dry_run ? { dry_run: true, matched: r.matched, sample: r.sample.map(jobView) } : r);
  app.post("/redrive", async (c) => c.json(answer(await start("redrive", { principal: c.get("principal"), body: await readBody(c, redriveSchema) }))));
  app.post("/bulk-cancel", async (c) => c.json(answer(await start("cancel", { principal: c.get("principal"), body: await readBody(c, bulkFilterSchema) }))));
  app.post("/bulk-purge", async (c) => c.json(answer(await start("purge", { principal: c.get("principal"), body: await readBody(c, bulkFilterSchema) }))));
  return app;
}

/** /api/v1/operations: progress and result of bulk operations. */
export function operationRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => c.json((await operations.listOperations(engine, c.get("principal"), intQuery(c, "limit"), intQuery(c, "offset"))).map(operationView)));
  app.get("/:id", async (c) => c.json(operationView(await operations.getOperation(engine, c.get("principal"), pathId(c)))));
  app.post("/:id/cancel", async (c) => c.json(operationView(await operations.cancelOperation(engine, c.get("principal"), pathId(c)))));
  return app;
}

/** /api/v1/audit-log: who ran which operator action, newest first. */
export function auditRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => c.json((await operations.listAudit(engine, c.get("principal"), intQuery(c, "limit"), intQuery(c, "before_id"))).map(auditEntryView)));
  return app;
}
