import { retryDelaySecs } from "./backoff";

/**
 * The job state machine: the one list of states, the moves between them, and the retry decision. The store's SQL
 * takes its status lists and its "attempts left" test from here, so a rule is written once.
 */
export const JOB_STATUSES = ["pending", "scheduled", "processing", "completed", "failed", "deadletter", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Waiting for a worker: claimable once due, cancellable, counted as queued. */
export const WAITING_STATUSES = ["pending", "scheduled"] as const satisfies readonly JobStatus[];
/** Not finished: waiting or being worked on (active-job quotas, schedule overlap, gauges). */
export const ACTIVE_STATUSES = ["pending", "scheduled", "processing"] as const satisfies readonly JobStatus[];
/** Finished for good unless someone retries or redrives it. */
export const TERMINAL_STATUSES = ["completed", "failed", "deadletter", "cancelled"] as const satisfies readonly JobStatus[];
/** Finished without success: what a workflow or a redrive may start again. */
export const UNSUCCESSFUL_STATUSES = ["failed", "deadletter", "cancelled"] as const satisfies readonly JobStatus[];
/** Ended by failing: counted as failed in stats, and what a manual retry accepts. */
export const FAILED_STATUSES = ["failed", "deadletter"] as const satisfies readonly JobStatus[];

/**
 * Every legal move, from → to. Completing, failing, deferring and expiring are moves out of `processing` by the
 * lease holder (or the reaper); retries and redrives move finished jobs back to `pending`.
 */
export const TRANSITIONS: { readonly [From in JobStatus]: readonly JobStatus[] } = {
  scheduled: ["pending", "processing", "cancelled"],
  pending: ["processing", "cancelled"],
  processing: ["completed", "pending", "deadletter"],
  completed: [],
  failed: ["pending"],
  deadletter: ["pending"],
  cancelled: ["pending"],
};

export const canMove = (from: JobStatus, to: JobStatus): boolean => TRANSITIONS[from].includes(to);

/** The one "out of attempts" rule: a job may be tried again while its retries so far are below its budget. */
export const hasAttemptsLeft = (job: { retry_count: number; max_retries: number }): boolean => job.retry_count < job.max_retries;

/** The same rule for a row of `jobs` in SQL (`alias` = the table's alias in the statement, or "" for none). */
export const attemptsLeftSql = (alias = ""): string => `${alias ? `${alias}.` : ""}retry_count < ${alias ? `${alias}.` : ""}max_retries`;

/** A status list as an SQL literal list, for `status IN (...)`: the values are this module's constants, never input. */
export const sqlStatuses = (statuses: readonly JobStatus[]): string => statuses.map((s) => `'${s}'`).join(", ");

export interface FailureDecision {
  status: "pending" | "deadletter";
  delaySecs: number | null;
}

/** A failed attempt: pending again after a backoff delay while attempts are left and the caller allows it, else the DLQ. */
export function decideFailure(
  job: { retry_count: number; max_retries: number },
  allowRetry: boolean,
  policy: { baseSecs: number; capSecs: number },
  random = Math.random,
): FailureDecision {
  if (allowRetry && hasAttemptsLeft(job)) return { status: "pending", delaySecs: retryDelaySecs(job.retry_count, policy, random) };
  return { status: "deadletter", delaySecs: null };
}
