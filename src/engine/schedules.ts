import type { Engine, Principal } from "./context";
import { assertQueueAllowed, emitEvent, runAfterTransition } from "./context";
import type { Queryable } from "../db/types";
import * as store from "../store/schedules";
import { assertPayloadFits } from "./jobs";
import { insertJobsInTransaction } from "./job-inserts";
import { cancelJob } from "../store/jobs";
import { nextRunAfter, ticksToFire, type CatchUp } from "../domain/cron";
import { AppError, notFound } from "../domain/errors";
import type { CreateScheduleInput, UpdateScheduleInput } from "../domain/schedule-schemas";

/** Next planned fire strictly after `after`; a zone that stopped existing (tz database update) falls back to UTC. */
function planNext(expression: string, zone: string, after: Date): Date | null {
  try {
    return nextRunAfter(expression, zone, after);
  } catch {
    return nextRunAfter(expression, "UTC", after);
  }
}

export async function createSchedule(e: Engine, p: Principal, input: CreateScheduleInput) {
  assertQueueAllowed(p, input.queue_name);
  assertPayloadFits(e, input.payload_template);
  const timezone = input.timezone ?? "UTC";
  const now = await store.dbNow(e.db);
  return store.insertSchedule(e.db, crypto.randomUUID(), p.orgId, {
    name: input.name,
    description: input.description ?? null,
    cronExpression: input.cron_expression,
    timezone,
    queueName: input.queue_name,
    payloadTemplate: input.payload_template,
    priority: input.priority ?? 0,
    maxRetries: input.max_retries ?? e.config.defaultMaxRetries,
    timeoutSeconds: input.timeout_seconds ?? e.config.defaultTimeoutSecs,
    isActive: true,
    nextRunAt: planNext(input.cron_expression, timezone, now),
    tags: input.tags ?? null,
    metadata: input.metadata ?? null,
    catchUp: input.catch_up ?? "latest",
    catchUpWindowSecs: input.catch_up_window_secs ?? 3600,
    overlap: input.overlap ?? "allow",
    jitterSecs: input.jitter_secs ?? 0,
  });
}

export async function getSchedule(e: Engine, p: Principal, id: string) {
  const s = await store.getSchedule(e.db, p.orgId, id);
  if (!s) throw notFound("Schedule not found");
  return s;
}

export async function listSchedules(e: Engine, p: Principal, f: { limit?: number; offset?: number }) {
  return store.listSchedules(e.db, p.orgId, Math.min(500, Math.max(1, f.limit ?? 100)), Math.max(0, f.offset ?? 0));
}

/**
 * Applies a partial update (absent or null keeps a field). A new expression or zone, or a resume, plans the next
 * fire from now; otherwise the plan is kept.
 */
export async function updateSchedule(e: Engine, p: Principal, id: string, input: UpdateScheduleInput) {
  if (input.queue_name) assertQueueAllowed(p, input.queue_name);
  if (input.payload_template != null) assertPayloadFits(e, input.payload_template);
  return e.db.transaction(async (tx) => {
    const old = await store.getSchedule(tx, p.orgId, id, true);
    if (!old) throw notFound("Schedule not found");
    const cronExpression = input.cron_expression ?? old.cron_expression;
    const timezone = input.timezone ?? old.timezone;
    const isActive = input.is_active ?? old.is_active;
    const replan = cronExpression !== old.cron_expression || timezone !== old.timezone || (isActive && !old.is_active);
    return store.updateSchedule(tx, p.orgId, id, {
      name: input.name ?? old.name,
      description: input.description ?? old.description,
      cronExpression,
      timezone,
      queueName: input.queue_name ?? old.queue_name,
      payloadTemplate: input.payload_template ?? old.payload_template,
      priority: input.priority ?? old.priority,
      maxRetries: input.max_retries ?? old.max_retries,
      timeoutSeconds: input.timeout_seconds ?? old.timeout_seconds,
      isActive,
      nextRunAt: replan ? planNext(cronExpression, timezone, await store.dbNow(tx)) : old.next_run_at,
      tags: input.tags ?? old.tags,
      metadata: input.metadata ?? old.metadata,
      catchUp: input.catch_up ?? old.catch_up,
      catchUpWindowSecs: input.catch_up_window_secs ?? old.catch_up_window_secs,
      overlap: input.overlap ?? old.overlap,
      jitterSecs: input.jitter_secs ?? old.jitter_secs,
    });
  });
}

export const pauseSchedule = (e: Engine, p: Principal, id: string) => updateSchedule(e, p, id, { is_active: false });
export const resumeSchedule = (e: Engine, p: Principal, id: string) => updateSchedule(e, p, id, { is_active: true });

export async function deleteSchedule(e: Engine, p: Principal, id: string): Promise<void> {
  if (!(await store.deleteSchedule(e.db, p.orgId, id))) throw notFound("Schedule not found");
}

export async function scheduleHistory(e: Engine, p: Principal, id: string, limit?: number) {
  await getSchedule(e, p, id);
  return store.runHistory(e.db, id, Math.min(500, Math.max(1, limit ?? 50)));
}

/**
 * The overlap policy before a cron fire: `skip` records the tick as skipped while an earlier run's job is pending
 * or processing; `cancel_previous` cancels earlier runs' jobs that have not started (a processing job keeps its
 * lease: Spindle never takes a job from a worker). Returns false when the tick must not create a job.
 */
async function overlapAllows(e: Engine, tx: Queryable, s: store.ScheduleRow, tick: Date): Promise<boolean> {
  if (s.overlap === "allow") return true;
  const unfinished = await store.unfinishedRunJobs(tx, s.id);
  if (unfinished.length === 0) return true;
  if (s.overlap === "skip") {
    await store.insertRun(tx, { id: crypto.randomUUID(), scheduleId: s.id, orgId: s.organization_id, tick, jobId: null, status: "skipped", error: "previous run still pending or processing" });
    return false;
  }
  for (const job of unfinished.filter((j) => j.status !== "processing")) {
    const row = await cancelJob(tx, job.organization_id, job.id);
    if (row) await runAfterTransition(e, tx, "cancelled", [row]);
  }
  return true;
}

/**
 * Creates the schedule's job for one tick (null: a manual trigger) through the common create path, records the
 * run and announces it. Returns the job id, or null when the tick was already fired elsewhere or the overlap
 * policy passed over it. With jitter_secs the job becomes claimable up to that many seconds after `now`.
 */
async function fire(e: Engine, tx: Queryable, s: store.ScheduleRow, tick: Date | null, now: Date): Promise<string | null> {
  if (tick && !(await overlapAllows(e, tx, s, tick))) return null;
  const jobId = crypto.randomUUID();
  const first = await store.insertRun(tx, { id: crypto.randomUUID(), scheduleId: s.id, orgId: s.organization_id, tick, jobId, status: "completed", error: null });
  if (!first) return null;
  const jitterMs = tick && s.jitter_secs > 0 ? Math.random() * s.jitter_secs * 1000 : 0;
  await insertJobsInTransaction(e, tx, s.organization_id, [
    {
      id: jobId,
      queueName: s.queue_name,
      payload: s.payload_template,
      priority: s.priority,
      maxRetries: s.max_retries,
      timeoutSeconds: s.timeout_seconds,
      scheduledAt: jitterMs > 0 ? new Date(+now + jitterMs) : null,
      expiresAt: null,
      idempotencyKey: null,
      tags: s.tags,
      parentJobId: null,
      completionWebhook: null,
    },
  ]);
  await emitEvent(e, tx, { type: "schedule.triggered", orgId: s.organization_id, data: { schedule_id: s.id, job_id: jobId, queue_name: s.queue_name } });
  return jobId;
}

/** Manual trigger: a job now, a run in the history, the planned next fire untouched. */
export async function triggerSchedule(e: Engine, p: Principal, id: string) {
  return e.db.transaction(async (tx) => {
    const s = await store.getSchedule(tx, p.orgId, id, true);
    if (!s) throw notFound("Schedule not found");
    assertQueueAllowed(p, s.queue_name);
    const now = await store.dbNow(tx);
    const jobId = await fire(e, tx, s, null, now);
    await store.recordFire(tx, s.id, 1, undefined);
    return { job_id: jobId!, triggered_at: now };
  });
}

/** A tick at most this late is on time; an older one was missed (the server was down or paused across it). */
const graceMs = (e: Engine) => Math.max(1000, 2 * e.config.schedulerIntervalMs);

function missedTicksToFire(e: Engine, s: store.ScheduleRow, planned: Date, now: Date): Date[] {
  const policy = { catchUp: s.catch_up as CatchUp, windowSecs: s.catch_up_window_secs, graceMs: graceMs(e) };
  try {
    return ticksToFire(s.cron_expression, s.timezone, planned, now, policy);
  } catch {
    return ticksToFire(s.cron_expression, "UTC", planned, now, policy);
  }
}

/** Thrown out of a fire's transaction so that it rolls back before the refusal is recorded on its own. */
class RefusedFire extends Error {
  constructor(readonly schedule: store.ScheduleRow, readonly tick: Date, readonly nextRunAt: Date | null, readonly reason: AppError) {
    super(reason.message);
  }
}

/**
 * One due schedule fired in its own transaction. Which missed ticks fire is the schedule's catch_up policy
 * (ticksToFire); each fired tick claims its own unique (schedule, tick) key, so however many nodes race, a tick
 * makes one job. The next plan is the first fire after now. Returns false when nothing was due.
 */
async function fireOneDue(e: Engine): Promise<boolean> {
  try {
    return await e.db.transaction(async (tx) => {
      const s = await store.lockDueSchedule(tx);
      if (!s) return false;
      const tick = new Date(s.next_run_at!); // due: the lock took only rows whose next_run_at has passed
      const now = new Date(s.db_now);
      const next = planNext(s.cron_expression, s.timezone, now);
      try {
        let fired = 0;
        for (const t of missedTicksToFire(e, s, tick, now)) if (await fire(e, tx, s, t, now)) fired++;
        await store.recordFire(tx, s.id, fired, next);
      } catch (err) {
        if (err instanceof AppError) throw new RefusedFire(s, tick, next, err);
        throw err;
      }
      return true;
    });
  } catch (err) {
    if (!(err instanceof RefusedFire)) throw err;
    await recordRefusedFire(e, err);
    return true;
  }
}

/** A fire the engine refused (quota): the run is recorded as failed and the plan still moves on. */
async function recordRefusedFire(e: Engine, r: RefusedFire): Promise<void> {
  await e.db.transaction(async (tx) => {
    const s = await store.getSchedule(tx, r.schedule.organization_id, r.schedule.id, true);
    if (!s || !s.next_run_at || +new Date(s.next_run_at) !== +r.tick) return;
    await store.insertRun(tx, { id: crypto.randomUUID(), scheduleId: s.id, orgId: s.organization_id, tick: r.tick, jobId: null, status: "failed", error: r.reason.message });
    await store.recordFire(tx, s.id, 0, r.nextRunAt);
  });
  if (!e.config.quiet) console.warn("[scheduler] schedule did not fire", { schedule_id: r.schedule.id, org_id: r.schedule.organization_id, reason: r.reason.message });
}

/** The scheduler loop's pass: fires every due schedule (bounded per pass). Safe on any number of nodes. */
export async function fireDueSchedules(e: Engine, maxPerPass = 1000): Promise<number> {
  let fired = 0;
  while (fired < maxPerPass && (await fireOneDue(e))) fired++;
  return fired;
}
