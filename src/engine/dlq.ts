import type { Engine, Principal } from "./context";
import { assertQueueAllowed, hasAllQueues, runAfterTransition, runValidateInsert } from "./context";
import * as store from "../store/jobs";
import { listJobs, type JobListFilter } from "./jobs";
import { badRequest, forbidden } from "../domain/errors";


export async function listDeadLetters(e: Engine, p: Principal, f: Omit<JobListFilter, "status">) {
  return listJobs(e, p, f, "deadletter");
}

/** Dead-lettered jobs back to pending with a fresh attempt budget: by ids, by queue, or oldest first. */
export async function retryDeadLetters(e: Engine, p: Principal, r: { job_ids?: string[]; queue_name?: string; limit?: number }) {
  const limit = r.limit ?? 100;
  if (r.job_ids && r.job_ids.length > limit) throw badRequest(`job_ids must contain at most ${limit} ids`);
  if (!hasAllQueues(p) && (r.job_ids || !r.queue_name)) throw forbidden("Queue-scoped API keys must retry by queue_name");
  if (r.queue_name) assertQueueAllowed(p, r.queue_name);
  return e.db.transaction(async (tx) => {
    await runValidateInsert(e, tx, p.orgId, 0);
    const ids = await store.retryDeadLetters(tx, p.orgId, { jobIds: r.job_ids, queueName: r.queue_name, limit });
    if (ids.length) await runAfterTransition(e, tx, "retried", await store.getJobsByIds(tx, p.orgId, ids));
    return { retried_count: ids.length, retried_jobs: ids };
  });
}

export async function purgeDeadLetters(e: Engine, p: Principal, r: { confirm: boolean; queue_name?: string; older_than?: Date; limit?: number }) {
  if (!r.confirm) throw badRequest("Must set 'confirm: true' to purge dead-letter queue");
  if (!hasAllQueues(p) && !r.queue_name) throw forbidden("Queue-scoped API keys must purge by queue_name");
  if (r.queue_name) assertQueueAllowed(p, r.queue_name);
  const purged = await store.purgeDeadLetters(e.db, p.orgId, { queueName: r.queue_name, olderThan: r.older_than, limit: r.limit ?? 10000 });
  return { purged_count: purged };
}
