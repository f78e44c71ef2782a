import type { Engine, Principal } from "./context";
import { assertQueueAllowed, canUseQueue, emitEvent, hasAllQueues, runAfterTransition, runValidateInsert } from "./context";
import * as store from "../store/operations";
import { applyMergePatch } from "../domain/merge-patch";
import { OPERATION_STATUSES, type BulkFilterInput, type JobMatch, type OperationKind } from "../domain/operation-schemas";
import { AppError, badRequest, forbidden, notFound, validationError } from "../domain/errors";
import type { Queryable } from "../db/types";

/** Jobs changed per transaction: large enough to be quick, small enough that no transaction grows with the match. */
export const OPERATION_BATCH = 500;

/** Who ran an operation, as the audit log and the operation record name them. */
const actorOf = (p: Principal) => (p.apiKeyId ? `api_key:${p.apiKeyId}` : "session");

function toMatch(kind: OperationKind, f: BulkFilterInput): JobMatch {
  const rule = OPERATION_STATUSES[kind];
  const statuses = f.status === undefined ? [...rule.default] : Array.isArray(f.status) ? [...new Set(f.status)] : [f.status];
  const refused = statuses.filter((s) => !(rule.allowed as readonly string[]).includes(s));
  if (refused.length) {
    throw validationError([{ field: "status", message: `${kind} acts on jobs in status ${rule.allowed.join(", ")}; not ${refused.join(", ")}`, code: "invalid_value" }]);
  }
  if (f.created_after && f.created_before && f.created_after >= f.created_before) {
    throw validationError([{ field: "created_before", message: "created_before must be later than created_after", code: "invalid_value" }]);
  }
  return {
    queue_name: f.queue_name ?? null,
    statuses,
    created_after: f.created_after?.toISOString() ?? null,
    created_before: f.created_before?.toISOString() ?? null,
    error_contains: f.error_contains ?? null,
    tags: f.tags ?? null,
  };
}

function assertScope(p: Principal, m: JobMatch): void {
  if (!hasAllQueues(p) && !m.queue_name) throw forbidden("Queue-scoped API keys must name a queue_name");
  if (m.queue_name) assertQueueAllowed(p, m.queue_name);
}

/**
 * Redrive, bulk cancel or bulk purge by filter. A dry run (the default) answers what matches and changes nothing.
 * A real run records the operation and an audit entry in one transaction, runs its first batch before answering,
 * and leaves the rest to the operations loop (any node, resumable after a restart, paced by rate_per_sec).
 */
export async function startOperation(e: Engine, p: Principal, kind: OperationKind, input: BulkFilterInput) {
  const match = toMatch(kind, input);
  assertScope(p, match);
  const sampleSize = input.sample_size ?? 10;
  if (input.dry_run ?? true) {
    const snapshotAt = await store.databaseNow(e.db);
    const [matched, sample] = await Promise.all([
      store.countMatching(e.db, p.orgId, match, snapshotAt),
      store.sampleMatching(e.db, p.orgId, match, snapshotAt, sampleSize),
    ]);
    return { dry_run: true, matched, sample: sample.map((j) => ({ ...j, payload: kind === "redrive" && input.payload_patch !== undefined ? applyMergePatch(j.payload, input.payload_patch) : j.payload })) };
  }
  const created = await e.db.transaction(async (tx) => {
    const snapshotAt = await store.databaseNow(tx);
    const matched = await store.countMatching(tx, p.orgId, match, snapshotAt);
    const op = await store.insertOperation(tx, p.orgId, {
      id: crypto.randomUUID(),
      kind,
      filter: match,
      payloadPatch: kind === "redrive" ? input.payload_patch : undefined,
      ratePerSec: input.rate_per_sec ?? null,
      snapshotAt,
      matched,
      createdBy: actorOf(p),
    });
    await store.insertAuditEntry(tx, {
      orgId: p.orgId,
      actor: op.created_by,
      action: `jobs.${kind}`,
      target: op.id,
      detail: { filter: match, matched, rate_per_sec: op.rate_per_sec, payload_patch: op.payload_patch ?? null },
    });
    await emitOperationEvent(e, tx, "operation.started", op);
    return op;
  });
  const op = (await runOperationBatch(e, created.id)) ?? (await store.getOperation(e.db, p.orgId, created.id));
  if (!op) throw notFound("Operation not found");
  return { dry_run: false, operation_id: op.id, matched: Number(op.matched), [DONE_NAME[kind]]: Number(op.processed), status: op.status };
}

/** The answer names the count after the action: `redriven`, `cancelled`, `purged`. */
const DONE_NAME: Record<OperationKind, string> = { redrive: "redriven", cancel: "cancelled", purge: "purged" };

/**
 * One batch of one running operation in one transaction: the operation row is locked (SKIP LOCKED, so two nodes
 * never run the same operation), the next jobs after its cursor are changed, and the cursor moves with them.
 * Returns the operation as it stands after the batch, or undefined when none was runnable.
 */
export async function runOperationBatch(e: Engine, id?: string): Promise<store.OperationRow | undefined> {
  let current: string | undefined;
  try {
    return await e.db.transaction(async (tx) => {
      const op = await store.lockRunnableOperation(tx, id);
      if (!op) return undefined;
      current = op.id;
      const rate = op.rate_per_sec as number | null;
      // A paced operation moves about a quarter second of its rate at a time, so the release is smooth.
      const size = rate ? Math.max(1, Math.min(OPERATION_BATCH, Math.ceil(rate / 4))) : OPERATION_BATCH;
      const batch = await store.lockNextBatch(tx, op.organization_id, op.filter, op.snapshot_at, op.cursor_id, size);
      const { changed, skipped } = await applyToBatch(e, tx, op, batch);
      const finished = batch.length < size;
      const after = await store.advanceOperation(tx, op.id, {
        cursorId: batch.at(-1)?.id ?? op.cursor_id,
        processed: changed,
        skipped,
        pauseSecs: rate ? batch.length / rate : 0,
        finished,
      });
      await emitOperationEvent(e, tx, finished ? "operation.completed" : "operation.progress", after);
      return after;
    });
  } catch (err) {
    // Refused by a hook (a plan cap): retrying would fail forever, so the operation ends as failed, visibly.
    // Anything else (the database restarting) is retried by the next pass.
    if (!(err instanceof AppError) || !current) throw err;
    const failed = current;
    return e.db.transaction(async (tx) => {
      const ended = await store.endOperation(tx, null, failed, "failed", err.message);
      if (ended) await emitOperationEvent(e, tx, "operation.failed", ended);
      return ended;
    });
  }
}

async function applyToBatch(e: Engine, tx: Queryable, op: store.OperationRow, batch: { id: string; payload: unknown }[]): Promise<{ changed: number; skipped: number }> {
  if (batch.length === 0) return { changed: 0, skipped: 0 };
  const ids = batch.map((j) => j.id);
  switch (op.kind as OperationKind) {
    case "redrive": {
      const items: { id: string; payload: string | null }[] = [];
      for (const j of batch) {
        if (op.payload_patch == null) {
          items.push({ id: j.id, payload: null });
          continue;
        }
        const patched = JSON.stringify(applyMergePatch(j.payload, op.payload_patch));
        // A patch that would push a payload over the limit leaves that job where it is.
        if (Buffer.byteLength(patched) <= e.config.maxPayloadBytes) items.push({ id: j.id, payload: patched });
      }
      await runValidateInsert(e, tx, op.organization_id, 0);
      const rows = await store.redriveJobs(tx, op.organization_id, op.id, items);
      await runAfterTransition(e, tx, "retried", rows);
      return { changed: rows.length, skipped: batch.length - items.length };
    }
    case "cancel": {
      const rows = await store.cancelJobs(tx, op.organization_id, op.id, ids);
      await runAfterTransition(e, tx, "cancelled", rows);
      return { changed: rows.length, skipped: 0 };
    }
    case "purge":
      return { changed: await store.purgeJobs(tx, op.organization_id, ids), skipped: 0 };
  }
}

async function emitOperationEvent(e: Engine, tx: Queryable, type: string, op: store.OperationRow): Promise<void> {
  await emitEvent(e, tx, {
    type,
    orgId: op.organization_id,
    data: { operation_id: op.id, kind: op.kind, status: op.status, matched: Number(op.matched), processed: Number(op.processed), skipped: Number(op.skipped), queue_name: op.filter?.queue_name ?? null },
  });
}

/** Runs due batches of any operations for up to `budgetMs`; the loop calls it on the leader. */
export async function continueOperations(e: Engine, budgetMs = 1000): Promise<number> {
  // Most ticks find nothing due: one read instead of a transaction that locks nothing.
  if (!(await store.anyRunnableOperation(e.db))) return 0;
  const until = Date.now() + budgetMs;
  let batches = 0;
  while (Date.now() < until && (await runOperationBatch(e))) batches++;
  return batches;
}

const visible = (p: Principal, op: store.OperationRow | undefined): op is store.OperationRow => !!op && (op.filter?.queue_name ? canUseQueue(p, op.filter.queue_name) : hasAllQueues(p));

export async function getOperation(e: Engine, p: Principal, id: string) {
  const op = await store.getOperation(e.db, p.orgId, id);
  if (!visible(p, op)) throw notFound("Operation not found");
  return op;
}

export async function listOperations(e: Engine, p: Principal, limit = 50, offset = 0) {
  const rows = await store.listOperations(e.db, p.orgId, Math.min(100, Math.max(1, limit)), Math.max(0, offset));
  return rows.filter((op) => visible(p, op));
}

export async function cancelOperation(e: Engine, p: Principal, id: string) {
  await getOperation(e, p, id);
  return e.db.transaction(async (tx) => {
    const ended = await store.endOperation(tx, p.orgId, id, "cancelled", null);
    if (!ended) throw badRequest("Operation is not running");
    await store.insertAuditEntry(tx, { orgId: p.orgId, actor: actorOf(p), action: "operations.cancel", target: id, detail: {} });
    await emitOperationEvent(e, tx, "operation.cancelled", ended);
    return ended;
  });
}

export async function listAudit(e: Engine, p: Principal, limit = 50, beforeId?: number) {
  if (!hasAllQueues(p)) throw forbidden("The audit log needs an API key for every queue");
  return store.listAuditEntries(e.db, p.orgId, Math.min(500, Math.max(1, limit)), beforeId ?? null);
}
