import type { Engine, Principal } from "./context";
import { limitsOf } from "./quotas";
import * as buckets from "../store/rate-buckets";
import * as orgs from "../store/orgs";
import { AppError } from "../domain/errors";

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Unix seconds when the bucket is full again. */
  resetAt: number;
}

/** Plan rates change rarely; they are remembered briefly per organization (limits only, never credentials). */
const ORG_LIMIT_TTL_MS = 30_000;

async function orgRate(e: Engine, orgId: string) {
  const cache = e.memory.orgRates;
  const hit = cache.get(orgId);
  if (hit && Date.now() - hit.at < ORG_LIMIT_TTL_MS) return hit;
  const org = await orgs.getOrganization(e.db, orgId);
  const limits = limitsOf(e, org ?? { plan_tier: "free", custom_limits: null });
  const rate = { rps: limits.rate_limit_requests_per_second, burst: Math.max(1, limits.rate_limit_burst), at: Date.now() };
  if (cache.size > 10_000) cache.clear();
  cache.set(orgId, rate);
  return rate;
}

function state(capacity: number, perSec: number, tokens: number): RateLimitState {
  const nowSecs = Date.now() / 1000;
  return { limit: capacity, remaining: Math.max(0, Math.floor(tokens)), resetAt: Math.ceil(nowSecs + (capacity - tokens) / perSec) };
}

/** The contract's 429 body; Retry-After is set from retry_after_secs by the HTTP layer. */
export function rateLimitError(limit: number, retryAfterSecs: number, resetAt: number): AppError {
  return new AppError("RATE_LIMIT_EXCEEDED", "Rate limit exceeded", undefined, {
    error: "Rate limit exceeded",
    retry_after_secs: Math.max(1, Math.ceil(retryAfterSecs)),
    limit,
    remaining: 0,
    reset_at: resetAt,
  });
}

function rateLimited(capacity: number, perSec: number, tokens: number): AppError {
  return rateLimitError(capacity, (1 - tokens) / perSec, state(capacity, perSec, tokens).resetAt);
}

/**
 * Takes one request from the caller's buckets: the key's own limit (requests per minute, when set) and, when
 * enabled, the organization's plan rate. Buckets live in the database, so every node shares them. Returns the
 * tightest state for the X-RateLimit-* headers, or undefined when no limit applies; throws RATE_LIMIT_EXCEEDED.
 */
export async function takeRequest(e: Engine, p: Principal): Promise<RateLimitState | undefined> {
  const checks: { bucket: string; capacity: number; perSec: number }[] = [];
  if (p.rateLimit && p.apiKeyId) checks.push({ bucket: `key:${p.apiKeyId}`, capacity: p.rateLimit, perSec: p.rateLimit / 60 });
  if (e.config.orgRateLimits) {
    const r = await orgRate(e, p.orgId);
    checks.push({ bucket: `org:${p.orgId}`, capacity: r.burst, perSec: r.rps });
  }
  let tightest: RateLimitState | undefined;
  for (const c of checks) {
    const taken = await buckets.takeToken(e.db, c.bucket, c.capacity, c.perSec);
    if (!taken.granted) throw rateLimited(c.capacity, c.perSec, taken.tokens);
    const s = state(c.capacity, c.perSec, taken.tokens);
    if (!tightest || s.remaining < tightest.remaining) tightest = s;
  }
  return tightest;
}

export const pruneBuckets = (e: Engine) => buckets.pruneBuckets(e.db);
