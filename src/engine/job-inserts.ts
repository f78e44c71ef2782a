import type { Engine } from "./context";
import { runAfterTransition, runValidateInsert } from "./context";
import * as store from "../store/jobs";
import type { Queryable } from "../db/types";

/** The answer a create gets: the job that now stands for it, and whether this create made it. */
export type CreateAnswer = { id: string; created: boolean };

/**
 * Creates jobs inside the caller's transaction through the steps every create path takes: creation hooks (such as
 * quotas), one insert, transition hooks. The caller looked the jobs' idempotency keys up as free; a key that a
 * concurrent transaction committed meanwhile is not inserted again, and `answerFor` resolves such a job to the
 * winner's id with created=false.
 */
export async function insertJobsInTransaction(
  e: Engine,
  tx: Queryable,
  orgId: string,
  jobs: store.NewJob[],
): Promise<{ rows: store.JobRow[]; answerFor: (job: store.NewJob) => CreateAnswer }> {
  await runValidateInsert(e, tx, orgId, jobs.length, jobs);
  const rows = await store.insertJobs(tx, orgId, jobs, { maxRetries: e.config.defaultMaxRetries, timeoutSeconds: e.config.defaultTimeoutSecs });
  const inserted = new Set(rows.map((r) => r.id));
  const lost = jobs.filter((j) => !inserted.has(j.id)).map((j) => j.idempotencyKey!);
  const winners = lost.length ? await store.findIdsByIdempotencyKeys(tx, orgId, lost) : new Map<string, string>();
  await runAfterTransition(e, tx, "created", rows);
  const answerFor = (job: store.NewJob): CreateAnswer =>
    inserted.has(job.id) ? { id: job.id, created: true } : { id: winners.get(job.idempotencyKey!)!, created: false };
  return { rows, answerFor };
}
