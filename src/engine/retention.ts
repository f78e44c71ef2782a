import { z } from "zod";
import type { Engine } from "./context";
import * as store from "../store/retention";
import { validationError } from "../domain/errors";
import { toFieldIssues } from "../domain/validate";

const DAY_SECS = 86_400;

const retentionSettingsSchema = z
  .object({
    completed_days: z.number().min(0).max(36_500).optional(),
    deadletter_days: z.number().min(0).max(36_500).optional(),
  })
  .strict();

/** Refuses a malformed queue `settings.retention` (null removes the override and is fine). */
export function checkRetentionSettings(settings: Record<string, unknown> | undefined): void {
  if (!settings || settings.retention === undefined || settings.retention === null) return;
  const parsed = retentionSettingsSchema.safeParse(settings.retention);
  if (!parsed.success) throw validationError(toFieldIssues(parsed.error).map((i) => ({ ...i, field: i.field === "body" ? "settings.retention" : `settings.retention.${i.field}` })));
}

export interface RetentionPass {
  jobs: number;
  deliveries: number;
  /** The pass stopped at SPINDLE_RETENTION_MAX_PER_PASS; the next one goes on. */
  capped: boolean;
}

/**
 * One retention pass (leader-only loop): deletes finished jobs past their window, with their history and HTTP
 * attempts, and finished webhook deliveries, in small batches (one short transaction each) up to a bound per
 * pass, so a backlog is worked off over several passes without a long lock or a burst of WAL.
 */
export async function enforceRetention(e: Engine): Promise<RetentionPass> {
  const { completedDays, deadletterDays, batch, maxPerPass } = e.config.retention;
  let budget = maxPerPass;
  const drain = async (deleteBatch: (limit: number) => Promise<number>): Promise<number> => {
    let total = 0;
    while (budget > 0) {
      const limit = Math.min(batch, budget);
      const n = await deleteBatch(limit);
      total += n;
      budget -= n;
      if (n < limit) break;
    }
    return total;
  };
  const jobsIn = (scope: store.RetentionScope, statuses: readonly string[], days: number) =>
    days > 0 ? drain((limit) => store.deleteFinishedJobs(e.db, statuses, days * DAY_SECS, limit, scope)) : Promise.resolve(0);

  let jobs = 0;
  for (const o of await store.queueRetentionOverrides(e.db)) {
    const scope = { orgId: o.orgId, queueName: o.queueName };
    jobs += await jobsIn(scope, store.FINISHED_OK, o.completedDays ?? completedDays);
    jobs += await jobsIn(scope, store.FINISHED_FAILED, o.deadletterDays ?? deadletterDays);
  }
  jobs += await jobsIn("queues without an override", store.FINISHED_OK, completedDays);
  jobs += await jobsIn("queues without an override", store.FINISHED_FAILED, deadletterDays);

  let deliveries = 0;
  if (completedDays > 0) deliveries += await drain((limit) => store.deleteFinishedDeliveries(e.db, "success", completedDays * DAY_SECS, limit));
  if (deadletterDays > 0) deliveries += await drain((limit) => store.deleteFinishedDeliveries(e.db, "failed", deadletterDays * DAY_SECS, limit));
  if (jobs + deliveries > 0 && (await needsOwnVacuum(e))) await store.vacuumRetentionTables(e.db);
  return { jobs, deliveries, capped: budget <= 0 };
}

/**
 * Deleted rows only become reusable space after a VACUUM. PostgreSQL's autovacuum does that by itself when it is
 * on; embedded PGlite runs no background workers at all, and a server may have autovacuum off: then retention
 * vacuums after each pass that deleted something, or the files would grow forever (measured: bench/soak.ts).
 */
function needsOwnVacuum(e: Engine): Promise<boolean> {
  return (e.memory.ownVacuum ??= e.db.kind === "pglite" ? Promise.resolve(true) : store.autovacuumRuns(e.db).then((on) => !on));
}
