import type { Engine, NewJobInfo, Principal } from "./context";
import { assertQueueAllowed } from "./context";
import { getJob } from "./jobs";
import * as store from "../store/delivery-queues";
import { insertAttempt, insertAttempts, listAttempts } from "../store/http-attempts";
import { badRequest, notFound, validationError } from "../domain/errors";
import { generateSigningSecret } from "../domain/signatures";
import { deliveryPayloadSchema } from "../domain/webhook-schemas";
import { checkTargetUrl, TargetRefused } from "../domain/ssrf";
import { toFieldIssues } from "../domain/validate";
import type { Queryable } from "../db/types";
import type { AttemptOutcome } from "../domain/http-outcome";

/** HTTP delivery queues: jobs whose payload is a request that Spindle itself makes (docs/webhooks.md). */
export const isDeliveryQueue = (name: string) => name === "spindle.http" || name.startsWith("spindle.http.");

const DEFAULT_OVERLAP_SECS = 86_400;

function checkDeliveryQueue(p: Principal, name: string): void {
  if (!isDeliveryQueue(name)) throw badRequest("Not an HTTP delivery queue: names start with 'spindle.http'");
  assertQueueAllowed(p, name);
}

/**
 * The validateInsert hook: refuses delivery jobs whose payload is not a valid request, or whose target the SSRF
 * guard refuses without DNS, before anything is inserted (so the create answers 400 and stores nothing).
 * DNS is checked at delivery.
 */
export function validateDeliveryJobs(e: Engine) {
  return async (_tx: Queryable, _orgId: string, _count: number, jobs?: readonly NewJobInfo[]) => {
    for (const job of jobs ?? []) {
      if (!isDeliveryQueue(job.queueName)) continue;
      const parsed = deliveryPayloadSchema.safeParse(job.payload);
      if (!parsed.success) throw validationError(toFieldIssues(parsed.error).map((i) => ({ ...i, field: `payload.${i.field}` })));
      const payload = parsed.data;
      try {
        checkTargetUrl(payload.url, e.config.mode);
      } catch (err) {
        if (err instanceof TargetRefused) throw badRequest(err.message);
        throw err;
      }
    }
  };
}

/**
 * Live secrets per queue, remembered for a second: one lookup per queue and second instead of one per request.
 * Rotation and revocation on this node take effect at once; on other nodes within SECRET_CACHE_MS.
 */
const SECRET_CACHE_MS = 1000;
const cacheOf = (e: Engine) => e.memory.signingSecrets;
const cacheKey = (orgId: string, queueName: string) => `${orgId} ${queueName}`;

/** Lookups under way, shared: when the cache runs out, every delivery in flight for the queue asks at once. */
const lookupsOf = (e: Engine) => e.memory.secretLookups;

/** After a rotation or revocation on this node: neither a cached answer nor a lookup under way is used again. */
function forgetSecrets(e: Engine, orgId: string, queueName: string): void {
  cacheOf(e).delete(cacheKey(orgId, queueName));
  lookupsOf(e).delete(cacheKey(orgId, queueName));
}

/** Live secrets to sign with; a queue's first delivery creates its first secret so that every request is signed. */
export async function signingSecrets(e: Engine, orgId: string, queueName: string): Promise<string[]> {
  const key = cacheKey(orgId, queueName);
  const cached = cacheOf(e).get(key);
  if (cached && cached.until > Date.now()) return cached.secrets;
  const pending = lookupsOf(e).get(key);
  if (pending) return pending;
  const lookup: Promise<string[]> = loadSigningSecrets(e, orgId, queueName).then((found) => {
    // Cached only while still the current lookup: one forgotten meanwhile may have read the old secrets.
    if (lookupsOf(e).get(key) === lookup) {
      cacheOf(e).set(key, found);
      lookupsOf(e).delete(key);
    }
    return found.secrets;
  }, (err) => {
    if (lookupsOf(e).get(key) === lookup) lookupsOf(e).delete(key);
    throw err;
  });
  lookupsOf(e).set(key, lookup);
  return lookup;
}

async function loadSigningSecrets(e: Engine, orgId: string, queueName: string): Promise<{ secrets: string[]; until: number }> {
  let live = await store.activeSecrets(e.db, orgId, queueName);
  if (live.length === 0) {
    await e.db.transaction((tx) => store.rotateSecret(tx, orgId, queueName, crypto.randomUUID(), generateSigningSecret(), 0, true));
    live = await store.activeSecrets(e.db, orgId, queueName);
  }
  // Expiring secrets must not be used past their end: never cache beyond the earliest expiry.
  const earliestExpiry = Math.min(...live.map((s) => (s.expires_at ? new Date(s.expires_at).getTime() : Infinity)));
  return { secrets: live.map((s) => s.secret), until: Math.min(Date.now() + SECRET_CACHE_MS, earliestExpiry) };
}

export async function rotateSigningSecret(e: Engine, p: Principal, queueName: string, overlapSecs = DEFAULT_OVERLAP_SECS) {
  checkDeliveryQueue(p, queueName);
  forgetSecrets(e, p.orgId, queueName);
  const rotated = await e.db.transaction((tx) => store.rotateSecret(tx, p.orgId, queueName, crypto.randomUUID(), generateSigningSecret(), overlapSecs));
  forgetSecrets(e, p.orgId, queueName);
  return rotated;
}

export async function listSigningSecrets(e: Engine, p: Principal, queueName: string) {
  checkDeliveryQueue(p, queueName);
  return store.listSecrets(e.db, p.orgId, queueName);
}

export async function revokeSigningSecret(e: Engine, p: Principal, queueName: string, id: string) {
  checkDeliveryQueue(p, queueName);
  forgetSecrets(e, p.orgId, queueName);
  const revoked = await store.revokeSecret(e.db, p.orgId, queueName, id);
  forgetSecrets(e, p.orgId, queueName);
  if (!revoked) throw notFound("Secret not found or already expired");
}

export const recordJobAttempt = (q: Queryable, orgId: string, jobId: string, attempt: number, outcome: AttemptOutcome) =>
  insertAttempt(q, orgId, "job", jobId, attempt, outcome);

/** Several delivery jobs' attempts in one statement (a batch booked in one transaction). */
export const recordJobAttempts = (q: Queryable, attempts: { orgId: string; jobId: string; attempt: number; outcome: AttemptOutcome }[]) =>
  insertAttempts(q, attempts.map((a) => ({ orgId: a.orgId, kind: "job" as const, subjectId: a.jobId, attempt: a.attempt, outcome: a.outcome })));

/** Every HTTP attempt of a delivery job, oldest first. */
export async function jobAttempts(e: Engine, p: Principal, jobId: string) {
  await getJob(e, p, jobId);
  return listAttempts(e.db, p.orgId, jobId, 1000);
}
