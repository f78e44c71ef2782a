import { JOB_STATUSES, type JobStatus } from "../domain/job-states";
import { jsonByteLength } from "../domain/json-limits";
import { assertStorableJson } from "../domain/validate";
import type { Engine, Principal } from "./context";
import { assertQueueAllowed, canUseQueue, hasAllQueues, runAfterTransition, runValidateInsert, runValidateCreate } from "./context";
import * as store from "../store/jobs";
import { AppError, badRequest, conflict, notFound } from "../domain/errors";
import type { BulkCreateInput, CreateJobInput } from "../domain/job-schemas";
import type { Queryable } from "../db/types";
import { enqueueGroup } from "./group-enqueue";

function jobDefaults(e: Engine) {
  return { maxRetries: e.config.defaultMaxRetries, timeoutSeconds: e.config.defaultTimeoutSecs };
}

export function assertPayloadFits(e: Engine, payload: unknown): void {
  // Every path into a job (ingestion, schedules, workflows) passes here: the depth limit holds even for them.
  assertStorableJson("payload", payload, Number.MAX_SAFE_INTEGER);
  if (jsonByteLength(payload) > e.config.maxPayloadBytes) {
    throw new AppError("PAYLOAD_TOO_LARGE", `Payload exceeds the maximum size of ${e.config.maxPayloadBytes} bytes`);
  }
}

/**
 * Creates one job; an idempotency-key hit returns the existing job's id with created=false and changes nothing.
 * Concurrent creates share transactions (group-enqueue.ts); each still gets its own answer.
 */
export async function createJob(e: Engine, p: Principal, input: CreateJobInput): Promise<{ id: string; created: boolean }> {
  assertQueueAllowed(p, input.queue_name);
  assertPayloadFits(e, input.payload);
  await runValidateCreate(e, p.orgId, [{ queueName: input.queue_name, payload: input.payload, completionWebhook: input.completion_webhook }]);
  return enqueueGroup(e).submit({ p, input });
}

export interface BulkResult {
  succeeded: { index: number; job_id: string; created: boolean }[];
  failed: { index: number; error: string }[];
  total: number;
  success_count: number;
  failure_count: number;
}

/** All-or-nothing validation happened at the edge; here every item is created in one transaction. */
export async function bulkCreate(e: Engine, p: Principal, input: BulkCreateInput): Promise<BulkResult> {
  assertQueueAllowed(p, input.queue_name);
  for (const item of input.jobs) assertPayloadFits(e, item.payload);
  return e.db.transaction(async (tx) => {
    const keys = [...new Set(input.jobs.map((j) => j.idempotency_key).filter((k): k is string => !!k))];
    const existing = await store.findIdsByIdempotencyKeys(tx, p.orgId, keys);
    const idByKey = new Map<string, string>();
    const fresh: store.NewJob[] = [];
    const plan = input.jobs.map((item) => {
      const key = item.idempotency_key ?? null;
      if (key && existing.has(key)) return { id: existing.get(key)!, created: false };
      if (key && idByKey.has(key)) return { id: idByKey.get(key)!, created: false };
      const id = crypto.randomUUID();
      if (key) idByKey.set(key, id);
      fresh.push({
        id,
        queueName: input.queue_name,
        payload: item.payload,
        priority: item.priority ?? input.default_priority ?? 0,
        maxRetries: input.default_max_retries ?? null,
        timeoutSeconds: input.default_timeout_seconds ?? null,
        scheduledAt: item.scheduled_at ?? null,
        expiresAt: null,
        idempotencyKey: key,
        tags: null,
        parentJobId: null,
        completionWebhook: null,
      });
      return { id, created: true };
    });
    await runValidateInsert(e, tx, p.orgId, fresh.length, fresh);
    const rows = await store.insertJobs(tx, p.orgId, fresh, jobDefaults(e));
    const inserted = new Set(rows.map((r) => r.id));
    if (inserted.size !== fresh.length) {
      // A concurrent request took some keys between our lookup and insert: resolve them to the winners.
      const lost = fresh.filter((j) => !inserted.has(j.id)).map((j) => j.idempotencyKey!);
      const winners = await store.findIdsByIdempotencyKeys(tx, p.orgId, lost);
      for (const item of plan) {
        if (item.created && !inserted.has(item.id)) {
          const key = fresh.find((j) => j.id === item.id)!.idempotencyKey!;
          item.id = winners.get(key)!;
          item.created = false;
        }
      }
    }
    await runAfterTransition(e, tx, "created", rows);
    const succeeded = plan.map((r, index) => ({ index, job_id: r.id, created: r.created }));
    return { succeeded, failed: [], total: plan.length, success_count: plan.length, failure_count: 0 };
  });
}

/** A job outside the caller's queue scope is reported as not found, like a job of another organization. */
export async function getJob(e: Engine, p: Principal, id: string): Promise<store.JobRow> {
  const job = await store.getJob(e.db, p.orgId, id);
  if (!job || !canUseQueue(p, job.queue_name)) throw notFound("Job not found");
  return job;
}

export interface JobListFilter {
  queue_name?: string;
  status?: string;
  tag?: string;
  created_after?: string;
  created_before?: string;
  search?: string;
  limit?: number;
  offset?: number;
}

export async function listJobs(e: Engine, p: Principal, f: JobListFilter, onlyStatus?: string) {
  const scoped = !hasAllQueues(p);
  if (scoped && f.queue_name && !canUseQueue(p, f.queue_name)) return [];
  const rows = await store.listJobs(
    e.db,
    p.orgId,
    {
      queueName: f.queue_name,
      status: f.status && (JOB_STATUSES as readonly string[]).includes(f.status) ? f.status : undefined,
      tag: f.tag && /^[A-Za-z0-9_.\-]{1,64}$/.test(f.tag) ? f.tag : undefined,
      createdAfter: f.created_after,
      createdBefore: f.created_before,
      search: f.search ? f.search.slice(0, 200) : undefined,
      limit: Math.min(100, Math.max(1, f.limit ?? 50)),
      offset: Math.max(0, f.offset ?? 0),
    },
    onlyStatus,
  );
  return scoped ? rows.filter((r) => canUseQueue(p, r.queue_name)) : rows;
}

export async function cancelJob(e: Engine, p: Principal, id: string): Promise<void> {
  await getJob(e, p, id);
  await e.db.transaction(async (tx) => {
    const row = await store.cancelJob(tx, p.orgId, id);
    if (!row) {
      const job = await store.getJob(tx, p.orgId, id);
      if (!job) throw notFound("Job not found");
      throw conflict(`Cannot cancel job in status '${job.status}'`);
    }
    await runAfterTransition(e, tx, "cancelled", [row]);
  });
}

export async function retryJob(e: Engine, p: Principal, id: string): Promise<store.JobRow> {
  await getJob(e, p, id);
  return e.db.transaction(async (tx) => {
    await runValidateInsert(e, tx, p.orgId, 0);
    const row = await store.retryJob(tx, p.orgId, id);
    if (!row) {
      const job = await store.getJob(tx, p.orgId, id);
      if (!job) throw notFound("Job not found");
      throw conflict(`Only failed or dead-lettered jobs can be retried (status is '${job.status}')`);
    }
    await runAfterTransition(e, tx, "retried", [row]);
    return row;
  });
}

export async function setPriority(e: Engine, p: Principal, id: string, priority: number) {
  await getJob(e, p, id);
  const changed = await store.setPriority(e.db, p.orgId, id, priority);
  if (!changed) throw notFound("Job not found or not in a pending or scheduled state");
  return { job_id: id, ...changed };
}

export async function jobStats(e: Engine, p: Principal, queueName?: string) {
  const counts = await store.countByStatus(e.db, p.orgId, queueName);
  const stats = Object.fromEntries(JOB_STATUSES.map((s) => [s, counts[s] ?? 0])) as Record<JobStatus, number>;
  return { ...stats, total: JOB_STATUSES.reduce((sum, s) => sum + stats[s], 0) };
}

export async function batchStatus(e: Engine, p: Principal, ids: string[]) {
  if (ids.length > 100) throw badRequest("At most 100 ids may be requested at once");
  if (ids.length === 0) return [];
  const rows = await store.getJobsByIds(e.db, p.orgId, ids);
  return rows.filter((r) => canUseQueue(p, r.queue_name));
}

export async function jobHistory(e: Engine, p: Principal, id: string, limit = 100, offset = 0) {
  await getJob(e, p, id);
  return store.jobHistory(e.db, p.orgId, id, Math.min(500, Math.max(1, limit)), Math.max(0, offset));
}

/**
 * Creates jobs inside the caller's transaction through the same steps as every other create path (creation hooks
 * such as quotas, one insert, transition hooks), for jobs the server makes itself: schedule fires, workflows.
 */
export async function insertJobsInTransaction(e: Engine, tx: Queryable, orgId: string, jobs: store.NewJob[]): Promise<store.JobRow[]> {
  await runValidateInsert(e, tx, orgId, jobs.length, jobs);
  const rows = await store.insertJobs(tx, orgId, jobs, jobDefaults(e));
  await runAfterTransition(e, tx, "created", rows);
  return rows;
}

/** Due `scheduled` jobs become `pending` (claims accept either; this keeps listings and stats truthful). Safe on many nodes. */
export const activateDueScheduled = (e: Engine): Promise<number> => e.db.transaction((tx) => store.activateDueScheduled(tx));
