import { JOB_STATUSES, type JobStatus } from "../domain/job-states";
import { measureJson, tooDeepMessage } from "../domain/json-limits";
import type { Engine, Principal } from "./context";
import { assertQueueAllowed, canUseQueue, hasAllQueues, runAfterTransition, runValidateInsert, runValidateCreate } from "./context";
import * as store from "../store/jobs";
import { AppError, badRequest, conflict, notFound, validationError } from "../domain/errors";
import type { BulkCreateInput, CreateJobInput } from "../domain/job-schemas";
import type { Queryable } from "../db/types";
import { enqueueGroup } from "./group-enqueue";
import { insertJobsInTransaction, type CreateAnswer } from "./job-inserts";

export function assertPayloadFits(e: Engine, payload: unknown): void {
  // Every path into a job (ingestion, schedules, workflows) passes here: the depth limit holds even for them.
  // One walk for both limits; depth is judged on the whole value first, as before.
  const measured = measureJson(payload, Number.MAX_SAFE_INTEGER);
  if (measured.tooDeep) throw validationError([{ field: "payload", message: tooDeepMessage("payload"), code: "invalid_json" }]);
  if (measured.bytes > e.config.maxPayloadBytes) {
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
    const jobByKey = new Map<string, store.NewJob>();
    const fresh: store.NewJob[] = [];
    /** Each item's answer: known already, or that of the job it creates (or repeats, by its key, from earlier). */
    const plan = input.jobs.map((item): CreateAnswer | { job: store.NewJob; repeat: boolean } => {
      const key = item.idempotency_key ?? null;
      if (key && existing.has(key)) return { id: existing.get(key)!, created: false };
      if (key && jobByKey.has(key)) return { job: jobByKey.get(key)!, repeat: true };
      const job: store.NewJob = {
        id: crypto.randomUUID(),
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
      };
      if (key) jobByKey.set(key, job);
      fresh.push(job);
      return { job, repeat: false };
    });
    const { answerFor } = await insertJobsInTransaction(e, tx, p.orgId, fresh);
    const answers = plan.map((item) => {
      if (!("job" in item)) return item;
      const answer = answerFor(item.job);
      return item.repeat ? { id: answer.id, created: false } : answer;
    });
    const succeeded = answers.map((r, index) => ({ index, job_id: r.id, created: r.created }));
    return { succeeded, failed: [], total: answers.length, success_count: answers.length, failure_count: 0 };
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

/** Due `scheduled` jobs become `pending` (claims accept either; this keeps listings and stats truthful). Safe on many nodes. */
export const activateDueScheduled = (e: Engine): Promise<number> => e.db.transaction((tx) => store.activateDueScheduled(tx));
