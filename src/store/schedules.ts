import { sqlStatuses, ACTIVE_STATUSES } from "../domain/job-states";
import type { Queryable } from "../db/types";

const SCHEDULE_COLUMNS = `id, organization_id, name, description, cron_expression, timezone, queue_name, payload_template, priority,
  max_retries, timeout_seconds, is_active, last_run_at, next_run_at, run_count, tags, metadata, created_at, updated_at,
  catch_up, catch_up_window_secs, overlap, jitter_secs`;
const RUN_COLUMNS = `id, schedule_id, organization_id, tick, job_id, status, error_message, started_at, completed_at`;

/** A schedule as SCHEDULE_COLUMNS reads it. */
export type ScheduleRow = {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  cron_expression: string;
  timezone: string;
  queue_name: string;
  payload_template: unknown;
  priority: number;
  max_retries: number;
  timeout_seconds: number;
  is_active: boolean;
  last_run_at: Date | null;
  next_run_at: Date | null;
  run_count: number;
  tags: unknown;
  metadata: unknown;
  created_at: Date;
  updated_at: Date;
  catch_up: "skip" | "latest" | "all";
  catch_up_window_secs: number;
  overlap: "allow" | "skip" | "cancel_previous";
  jitter_secs: number;
};

/** A due schedule as the scheduler locks it, with the database's clock. */
export type DueScheduleRow = ScheduleRow & { db_now: Date };

/** One fire (or skipped tick) of a schedule. */
export type ScheduleRunRow = {
  id: string;
  schedule_id: string;
  organization_id: string;
  tick: Date | null;
  job_id: string | null;
  status: "pending" | "running" | "completed" | "failed" | "skipped";
  error_message: string | null;
  started_at: Date;
  completed_at: Date | null;
};

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
const ts = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** Every column a schedule's owner can set; an update writes them all (the engine merges old and new). */
export interface ScheduleFields {
  name: string;
  description: string | null;
  cronExpression: string;
  timezone: string;
  queueName: string;
  payloadTemplate: unknown;
  priority: number;
  maxRetries: number;
  timeoutSeconds: number;
  isActive: boolean;
  nextRunAt: Date | null;
  tags: unknown;
  metadata: unknown;
  catchUp: string;
  catchUpWindowSecs: number;
  overlap: string;
  jitterSecs: number;
}

const fieldParams = (f: ScheduleFields) => [
  f.name,
  f.description,
  f.cronExpression,
  f.timezone,
  f.queueName,
  JSON.stringify(f.payloadTemplate),
  f.priority,
  f.maxRetries,
  f.timeoutSeconds,
  f.isActive,
  ts(f.nextRunAt),
  json(f.tags),
  json(f.metadata),
  f.catchUp,
  f.catchUpWindowSecs,
  f.overlap,
  f.jitterSecs,
];

export async function dbNow(q: Queryable): Promise<Date> {
  const [row] = await q.query<{ now: Date }>("SELECT now() AS now");
  return new Date(row!.now);
}

export async function insertSchedule(q: Queryable, id: string, orgId: string, f: ScheduleFields): Promise<ScheduleRow> {
  const [row] = await q.query<ScheduleRow>(
    `INSERT INTO schedules (id, organization_id, name, description, cron_expression, timezone, queue_name, payload_template, priority,
                            max_retries, timeout_seconds, is_active, next_run_at, tags, metadata, catch_up, catch_up_window_secs, overlap, jitter_secs)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9::int, $10::int, $11::int, $12::bool, $13::timestamptz, $14::text::jsonb, $15::text::jsonb,
             $16, $17::int, $18, $19::int)
     RETURNING ${SCHEDULE_COLUMNS}`,
    [id, orgId, ...fieldParams(f)],
  );
  return row;
}

export async function updateSchedule(q: Queryable, orgId: string, id: string, f: ScheduleFields): Promise<ScheduleRow | undefined> {
  const [row] = await q.query<ScheduleRow>(
    `UPDATE schedules SET name = $3, description = $4, cron_expression = $5, timezone = $6, queue_name = $7,
            payload_template = $8::text::jsonb, priority = $9::int, max_retries = $10::int, timeout_seconds = $11::int,
            is_active = $12::bool, next_run_at = $13::timestamptz, tags = $14::text::jsonb, metadata = $15::text::jsonb,
            catch_up = $16, catch_up_window_secs = $17::int, overlap = $18, jitter_secs = $19::int, updated_at = now()
     WHERE organization_id = $1 AND id = $2 RETURNING ${SCHEDULE_COLUMNS}`,
    [orgId, id, ...fieldParams(f)],
  );
  return row;
}

export async function getSchedule(q: Queryable, orgId: string, id: string, lock = false): Promise<ScheduleRow | undefined> {
  const [row] = await q.query<ScheduleRow>(
    `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE organization_id = $1 AND id = $2${lock ? " FOR UPDATE" : ""}`,
    [orgId, id],
  );
  return row;
}

export async function listSchedules(q: Queryable, orgId: string, limit: number, offset: number): Promise<ScheduleRow[]> {
  return q.query<ScheduleRow>(
    `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE organization_id = $1 ORDER BY created_at DESC, seq DESC LIMIT $2 OFFSET $3`,
    [orgId, limit, offset],
  );
}

export async function deleteSchedule(q: Queryable, orgId: string, id: string): Promise<boolean> {
  const rows = await q.query(`DELETE FROM schedules WHERE organization_id = $1 AND id = $2 RETURNING id`, [orgId, id]);
  return rows.length > 0;
}

/**
 * Locks one active schedule whose planned fire has passed, skipping rows another node is firing right now.
 * A node that dies mid-fire rolls back, and the row is due again for the next node: no fire is lost.
 */
export async function lockDueSchedule(q: Queryable): Promise<DueScheduleRow | undefined> {
  const [row] = await q.query<DueScheduleRow>(
    `SELECT ${SCHEDULE_COLUMNS}, now() AS db_now FROM schedules
     WHERE is_active AND next_run_at <= now()
     ORDER BY next_run_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
  );
  return row;
}

/**
 * Records a run. For a cron fire (`tick` set) the unique (schedule_id, tick) key makes the first writer win across
 * nodes; returns false when the tick was already recorded.
 */
export async function insertRun(
  q: Queryable,
  r: { id: string; scheduleId: string; orgId: string; tick: Date | null; jobId: string | null; status: "completed" | "failed" | "skipped"; error: string | null },
): Promise<boolean> {
  const rows = await q.query(
    `INSERT INTO schedule_runs (id, schedule_id, organization_id, tick, job_id, status, error_message, completed_at)
     VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7, now())
     ON CONFLICT (schedule_id, tick) WHERE tick IS NOT NULL DO NOTHING RETURNING id`,
    [r.id, r.scheduleId, r.orgId, ts(r.tick), r.jobId, r.status, r.error],
  );
  return rows.length > 0;
}

/** After a pass: counts the jobs fired and plans the next fire (`nextRunAt` undefined keeps the plan, as a manual trigger does). */
export async function recordFire(q: Queryable, id: string, fired: number, nextRunAt: Date | null | undefined): Promise<ScheduleRow> {
  const [row] = await q.query<ScheduleRow>(
    `UPDATE schedules SET
       run_count = run_count + $2::int,
       last_run_at = CASE WHEN $2::int > 0 THEN now() ELSE last_run_at END,
       next_run_at = CASE WHEN $3::bool THEN $4::timestamptz ELSE next_run_at END,
       updated_at = now()
     WHERE id = $1 RETURNING ${SCHEDULE_COLUMNS}`,
    [id, fired, nextRunAt !== undefined, ts(nextRunAt ?? null)],
  );
  return row;
}

export async function runHistory(q: Queryable, scheduleId: string, limit: number): Promise<ScheduleRunRow[]> {
  return q.query<ScheduleRunRow>(
    `SELECT ${RUN_COLUMNS} FROM schedule_runs WHERE schedule_id = $1 ORDER BY started_at DESC, seq DESC LIMIT $2`,
    [scheduleId, limit],
  );
}

/**
 * Jobs of earlier runs of a schedule that have not finished (the overlap policy's question). Under `skip` or
 * `cancel_previous` only the latest runs can have one, so the latest 100 runs are enough to look at.
 */
export async function unfinishedRunJobs(q: Queryable, scheduleId: string): Promise<{ id: string; organization_id: string; status: string }[]> {
  return q.query(
    `SELECT j.id, j.organization_id, j.status
     FROM (SELECT job_id FROM schedule_runs WHERE schedule_id = $1 AND job_id IS NOT NULL ORDER BY started_at DESC, seq DESC LIMIT 100) r
     JOIN jobs j ON j.id = r.job_id
     WHERE j.status IN (${sqlStatuses(ACTIVE_STATUSES)})`,
    [scheduleId],
  );
}
