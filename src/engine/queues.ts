import type { Engine, Principal } from "./context";
import { assertQueueAllowed, canUseQueue, emitEvent } from "./context";
import * as store from "../store/queues";
import { badRequest, conflict, notFound } from "../domain/errors";
import { isValidQueueName } from "../domain/validate";
import { countByStatus } from "../store/jobs";
import { countActiveWorkers } from "../store/workers";
import { assignKeys, checkFairnessSettings, forgetFairness } from "./fair-claims";
import { checkRetentionSettings } from "./retention";
import type { FairnessSettings } from "../domain/fairness";

const defaults = (e: Engine) => ({ maxRetries: e.config.defaultMaxRetries, timeoutSecs: e.config.defaultTimeoutSecs });

/** Path names are validated like queue names; a malformed one is a bad request, not a missing queue. */
function checkName(p: Principal, name: string): void {
  if (!isValidQueueName(name)) throw badRequest("Invalid queue name");
  assertQueueAllowed(p, name);
}

export async function listQueues(e: Engine, p: Principal) {
  const rows = await store.listQueues(e.db, p.orgId, defaults(e));
  return rows.filter((r) => canUseQueue(p, r.queue_name));
}

/** A queue that has jobs but no config row gets a synthesized config that is persisted, so it has a stable id. */
export async function getQueue(e: Engine, p: Principal, name: string) {
  checkName(p, name);
  const row = await store.getQueueConfig(e.db, p.orgId, name);
  if (row) return row;
  if (!(await store.queueHasJobs(e.db, p.orgId, name))) throw notFound("Queue not found");
  return store.upsertQueueConfig(e.db, p.orgId, name, {}, defaults(e));
}

export async function configureQueue(
  e: Engine,
  p: Principal,
  name: string,
  c: { max_retries?: number; default_timeout?: number; rate_limit?: number | null; enabled?: boolean; settings?: Record<string, unknown> },
) {
  checkName(p, name);
  checkFairnessSettings(c.settings);
  checkRetentionSettings(c.settings);
  const row = await e.db.transaction(async (tx) => {
    const updated = await store.upsertQueueConfig(
      tx,
      p.orgId,
      name,
      { maxRetries: c.max_retries, defaultTimeout: c.default_timeout, rateLimit: c.rate_limit, enabled: c.enabled, settingsMerge: c.settings },
      defaults(e),
    );
    // Fairness turned on: the jobs already waiting get their keys in the same transaction.
    if (c.settings?.fairness) await assignKeys(tx, p.orgId, name, c.settings.fairness as FairnessSettings);
    return updated;
  });
  forgetFairness(e, p.orgId, name);
  return row;
}

export async function pauseQueue(e: Engine, p: Principal, name: string, reason: string | null) {
  checkName(p, name);
  const pausedAt = new Date().toISOString();
  const row = await e.db.transaction(async (tx) => {
    const updated = await store.upsertQueueConfig(
      tx,
      p.orgId,
      name,
      { enabled: false, settingsMerge: { paused: true, paused_at: pausedAt, paused_reason: reason } },
      defaults(e),
    );
    await emitEvent(e, tx, { type: "queue.paused", orgId: p.orgId, data: { queue_name: name, reason } });
    return updated;
  });
  return { queue_name: name, paused: true, paused_at: row.settings?.paused_at ?? pausedAt, reason };
}

export async function resumeQueue(e: Engine, p: Principal, name: string) {
  checkName(p, name);
  const existing = await store.getQueueConfig(e.db, p.orgId, name);
  if (!existing) throw notFound("Queue not found");
  const pausedAt = existing.settings?.paused_at ? Date.parse(String(existing.settings.paused_at)) : NaN;
  await e.db.transaction(async (tx) => {
    await store.upsertQueueConfig(tx, p.orgId, name, { enabled: true, settingsMerge: { paused: false, paused_at: null, paused_reason: null } }, defaults(e));
    await emitEvent(e, tx, { type: "queue.resumed", orgId: p.orgId, data: { queue_name: name } });
  });
  const pausedDurationSecs = !existing.enabled && Number.isFinite(pausedAt) ? Math.max(0, Math.floor((Date.now() - pausedAt) / 1000)) : 0;
  return { queue_name: name, resumed: true, paused_duration_secs: pausedDurationSecs };
}

export async function queueStats(e: Engine, p: Principal, name: string) {
  checkName(p, name);
  const s = await store.queueStats(e.db, p.orgId, name);
  return {
    queue_name: name,
    pending_jobs: s.pending_jobs,
    processing_jobs: s.processing_jobs,
    completed_jobs_24h: s.completed_jobs_24h,
    failed_jobs_24h: s.failed_jobs_24h,
    avg_processing_time_ms: s.avg_processing_time_ms ?? null,
    max_job_age_seconds: s.max_job_age_seconds ?? null,
    active_workers: await countActiveWorkers(e.db, p.orgId, name),
  };
}

export async function deleteQueue(e: Engine, p: Principal, name: string, deleteJobs: boolean) {
  checkName(p, name);
  await e.db.transaction(async (tx) => {
    const counts = await countByStatus(tx, p.orgId, name);
    const active = (counts.pending ?? 0) + (counts.processing ?? 0) + (counts.scheduled ?? 0);
    if (active > 0 && !deleteJobs) throw conflict("Queue has pending or processing jobs");
    const hadConfig = await store.deleteQueueConfig(tx, p.orgId, name);
    const removed = deleteJobs ? await store.deleteQueueJobs(tx, p.orgId, name) : 0;
    if (!hadConfig && removed === 0) throw notFound("Queue not found");
  });
}
