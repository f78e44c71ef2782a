import type { JobRow } from "../store/jobs";
import { runAfterTransition } from "./context";
import type { ClaimRequest, Engine, Principal } from "./context";
import * as store from "../store/fair-claims";
import { fairnessSettingsSchema, type FairnessSettings } from "../domain/fairness";
import { validationError } from "../domain/errors";
import { toFieldIssues } from "../domain/validate";
import type { Queryable } from "../db/types";

/** How long a node trusts what it read about a queue's fairness (another node's config change shows within this). */
const CONFIG_TTL_MS = 2000;
/** Keys one claim walks and locks at most: enough for a full batch to interleave, bounded for many tenants. */
const keysPerClaim = (limit: number) => Math.min(256, limit * 2 + 8);
/** Keyless jobs keyed per straggler pass, and how often a node makes one per queue (it scans the waiting jobs). */
const ASSIGN_BATCH = 1000;
const ASSIGN_EVERY_MS = 5000;

const stateOf = (e: Engine) => e.memory.fairness;
const queueKey = (orgId: string, queueName: string) => `${orgId}\u001f${queueName}`;

/** Refuses a malformed `settings.fairness` (null turns fairness off and is fine). */
export function checkFairnessSettings(settings: Record<string, unknown> | undefined): void {
  if (!settings || settings.fairness === undefined || settings.fairness === null) return;
  const parsed = fairnessSettingsSchema.safeParse(settings.fairness);
  if (!parsed.success) throw validationError(toFieldIssues(parsed.error).map((i) => ({ ...i, field: i.field === "body" ? "settings.fairness" : `settings.fairness.${i.field}` })));
}

/** Forgets what this node read about a queue's fairness (its config just changed here). */
export function forgetFairness(e: Engine, orgId: string, queueName: string): void {
  stateOf(e).configs.delete(queueKey(orgId, queueName));
}

/** A queue's fairness settings when its claims are fair, else null; read at most every CONFIG_TTL_MS per node. */
export async function fairnessOf(e: Engine, orgId: string, queueName: string): Promise<FairnessSettings | null> {
  const { configs } = stateOf(e);
  const key = queueKey(orgId, queueName);
  const known = configs.get(key);
  if (known && Date.now() - known.readAt < CONFIG_TTL_MS) return known.fairness;
  const raw = await store.queueFairness(e.db, orgId, queueName);
  const parsed = raw ? fairnessSettingsSchema.safeParse(raw) : undefined;
  const fairness = parsed?.success ? parsed.data : null;
  configs.set(key, { fairness, readAt: Date.now() });
  return fairness;
}

/** Gives a fair queue's keyless jobs their key (called when fairness is turned on, in that transaction). */
export const assignKeys = (tx: Queryable, orgId: string, queueName: string, f: FairnessSettings, limit = Number.MAX_SAFE_INTEGER) =>
  store.assignFairnessKeys(tx, orgId, queueName, f.key_field ?? null, Math.min(limit, 2_147_483_647));

/**
 * A fair claim: lock a window of keys (starting after this node's cursor, skipping keys other claimers hold),
 * then take jobs from them round robin within each key's cap. A claim that comes back short keys any keyless
 * jobs of the queue (created while fairness was being turned on) and tries once more, at most every
 * ASSIGN_EVERY_MS per queue and node.
 */
export async function claimFairly(e: Engine, p: Principal, r: ClaimRequest, f: FairnessSettings): Promise<JobRow[]> {
  const rows = await claimRound(e, p, r, f);
  if (rows.length >= r.limit) return rows;
  const { assignedAt } = stateOf(e);
  const key = queueKey(p.orgId, r.queueName);
  if (Date.now() - (assignedAt.get(key) ?? 0) < ASSIGN_EVERY_MS) return rows;
  assignedAt.set(key, Date.now());
  const keyed = await e.db.transaction((tx) => assignKeys(tx, p.orgId, r.queueName, f, ASSIGN_BATCH));
  if (keyed === 0) return rows;
  return [...rows, ...(await claimRound(e, p, { ...r, limit: r.limit - rows.length }, f))];
}

async function claimRound(e: Engine, p: Principal, r: ClaimRequest, f: FairnessSettings): Promise<JobRow[]> {
  const { cursors } = stateOf(e);
  const cursorKey = queueKey(p.orgId, r.queueName);
  return e.db.transaction(async (tx) => {
    const keys = await store.lockFairKeys(tx, p.orgId, r.queueName, cursors.get(cursorKey) ?? "", keysPerClaim(r.limit));
    if (keys.length === 0) return [];
    cursors.set(cursorKey, keys.at(-1)!);
    const rows = await store.claimFromKeys(tx, p.orgId, r.queueName, keys, r.workerId, r.limit, r.leaseSecs, f.max_concurrency_per_key ?? 2_147_483_647);
    await runAfterTransition(e, tx, "claimed", rows);
    return rows;
  });
}
