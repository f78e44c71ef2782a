import { Hono } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { readBody, instantQuery, intQuery, pathId, textQuery } from "../body";
import * as jobs from "../../engine/jobs";
import * as leases from "../../engine/leases";
import * as dlq from "../../engine/dlq";
import * as s from "../../domain/job-schemas";
import { claimedJobView, jobEventView, jobSummaryView, jobView, iso } from "../../domain/views";
import { badRequest } from "../../domain/errors";

/** /api/v1/jobs: static sub-paths are registered before /:id so they win. */
export function jobRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  const listFilter = (c: any) => ({
    queue_name: textQuery(c, "queue_name") ?? textQuery(c, "queue"),
    status: textQuery(c, "status"),
    tag: textQuery(c, "tag"),
    created_after: instantQuery(c, "created_after"),
    created_before: instantQuery(c, "created_before"),
    search: textQuery(c, "search"),
    limit: intQuery(c, "limit"),
    offset: intQuery(c, "offset"),
  });

  app.post("/", async (c) => {
    const input = await readBody(c, s.createJobSchema);
    const r = await jobs.createJob(engine, c.get("principal"), input);
    return c.json(r, r.created ? 201 : 200);
  });
  app.get("/", async (c) => c.json((await jobs.listJobs(engine, c.get("principal"), listFilter(c))).map(jobSummaryView)));

  app.get("/stats", async (c) => c.json(await jobs.jobStats(engine, c.get("principal"), textQuery(c, "queue_name") ?? textQuery(c, "queue"))));
  app.get("/status", async (c) => {
    const raw = textQuery(c, "ids");
    if (raw === undefined) throw badRequest("ids query parameter is required");
    const ids = raw.split(",").map((x) => x.trim()).filter(Boolean);
    const rows = await jobs.batchStatus(engine, c.get("principal"), ids);
    return c.json(rows.map((r) => ({ id: r.id, status: r.status, queue_name: r.queue_name, retry_count: r.retry_count, created_at: iso(r.created_at), completed_at: iso(r.completed_at) })));
  });
  app.post("/bulk", async (c) => c.json(await jobs.bulkCreate(engine, c.get("principal"), await readBody(c, s.bulkCreateSchema))));
  app.post("/claim", async (c) => {
    const b = await readBody(c, s.claimSchema);
    const request = {
      queueName: b.queue_name,
      workerId: b.worker_id,
      limit: b.limit ?? 1,
      leaseSecs: b.lease_duration_secs ?? engine.config.defaultLeaseSecs,
    };
    const rows = b.wait_ms
      ? await leases.claimJobsWaiting(engine, c.get("principal"), request, b.wait_ms, c.req.raw.signal)
      : await leases.claimJobs(engine, c.get("principal"), request);
    return c.json({ jobs: rows.map(claimedJobView) });
  });
  app.post("/complete", async (c) => {
    const b = await readBody(c, s.completeManySchema);
    const items = b.jobs.map((j) => ({ jobId: j.job_id, leaseId: j.lease_id, result: j.result }));
    return c.json(await leases.completeJobs(engine, c.get("principal"), b.worker_id, items));
  });

  app.get("/dlq", async (c) => c.json((await dlq.listDeadLetters(engine, c.get("principal"), listFilter(c))).map(jobSummaryView)));
  app.post("/dlq/retry", async (c) => c.json(await dlq.retryDeadLetters(engine, c.get("principal"), await readBody(c, s.dlqRetrySchema))));
  app.post("/dlq/purge", async (c) => c.json(await dlq.purgeDeadLetters(engine, c.get("principal"), await readBody(c, s.dlqPurgeSchema))));

  app.get("/:id", async (c) => c.json(jobView(await jobs.getJob(engine, c.get("principal"), pathId(c)))));
  app.delete("/:id", async (c) => {
    await jobs.cancelJob(engine, c.get("principal"), pathId(c));
    return c.body(null, 204);
  });
  app.post("/:id/retry", async (c) => c.json(jobView(await jobs.retryJob(engine, c.get("principal"), pathId(c)))));
  app.put("/:id/priority", async (c) => {
    const { priority } = await readBody(c, s.prioritySchema);
    return c.json(await jobs.setPriority(engine, c.get("principal"), pathId(c), priority));
  });
  app.get("/:id/history", async (c) => {
    const rows = await jobs.jobHistory(engine, c.get("principal"), pathId(c), intQuery(c, "limit") ?? 100, intQuery(c, "offset") ?? 0);
    return c.json(rows.map(jobEventView));
  });

  app.post("/:id/complete", async (c) => {
    const b = await readBody(c, s.completeSchema);
    await leases.completeJob(engine, c.get("principal"), { jobId: pathId(c), workerId: b.worker_id, leaseId: b.lease_id }, b.result);
    return c.json({ success: true });
  });
  app.post("/:id/fail", async (c) => {
    const b = await readBody(c, s.failSchema);
    const r = await leases.failJob(engine, c.get("principal"), { jobId: pathId(c), workerId: b.worker_id, leaseId: b.lease_id }, b.error);
    return c.json({ success: true, will_retry: r.willRetry, next_retry_at: r.willRetry ? iso(r.job.scheduled_at) : null });
  });
  app.post("/:id/heartbeat", async (c) => {
    const b = await readBody(c, s.heartbeatSchema);
    const job = await leases.heartbeatJob(engine, c.get("principal"), { jobId: pathId(c), workerId: b.worker_id, leaseId: b.lease_id }, b.lease_duration_secs);
    return c.json({ success: true, lease_expires_at: iso(job.lease_expires_at) });
  });
  return app;
}
