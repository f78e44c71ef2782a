import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./auth";
import { rateLimitError } from "../engine/rate-limit";

/**
 * Per-client-IP limit on unauthenticated routes (registration, login, slug and email checks), per node and in
 * memory: it protects this process from floods, which is what a public limit is for; it needs no shared state.
 * The address is the socket's peer, never a forwarded header (which anyone can forge).
 */
export class PublicLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  constructor(private perMinute: number) {}

  take(ip: string): { ok: true } | { ok: false; retryAfterSecs: number } {
    const now = Date.now();
    let w = this.windows.get(ip);
    if (!w || now - w.start >= 60_000) {
      if (this.windows.size > 50_000) this.prune(now);
      this.windows.set(ip, (w = { start: now, count: 0 }));
    }
    if (w.count >= this.perMinute) return { ok: false, retryAfterSecs: Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000)) };
    w.count++;
    return { ok: true };
  }

  private prune(now: number): void {
    for (const [ip, w] of this.windows) if (now - w.start >= 60_000) this.windows.delete(ip);
  }
}

export function clientAddress(c: Context): string {
  const server = c.env as { requestIP?: (r: Request) => { address: string } | null } | undefined;
  try {
    return server?.requestIP?.(c.req.raw)?.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Routes whose own upstream limits are tighter than the general public limit (per IP, per minute). */
const TIGHT: { test: (method: string, path: string) => boolean; perMinute: number }[] = [
  { test: (_m, p) => p === "/api/v1/auth/check-email" || p === "/api/v1/auth/email/check", perMinute: 10 },
  { test: (_m, p) => p === "/api/v1/organizations/check-slug", perMinute: 60 },
];

const isPublic = (method: string, path: string) =>
  path.startsWith("/api/v1/auth/") ||
  path.startsWith("/api/v1/webhooks/") ||
  (method === "POST" && (path === "/api/v1/organizations" || path === "/api/v1/organizations/generate-slug")) ||
  path === "/api/v1/organizations/check-slug";

function refuseWhenFull(r: ReturnType<PublicLimiter["take"]>, limit: number): void {
  if (!r.ok) throw rateLimitError(limit, r.retryAfterSecs, Math.ceil(Date.now() / 1000 + r.retryAfterSecs));
}

/** One middleware in front of every route; it only counts requests to unauthenticated routes. */
export function publicLimits(perMinute: number): MiddlewareHandler<AppEnv> {
  const general = new PublicLimiter(perMinute);
  const tight = TIGHT.map((t) => ({ ...t, limiter: new PublicLimiter(t.perMinute) }));
  return async (c, next) => {
    const path = c.req.path.replace(/\/+$/, "");
    if (isPublic(c.req.method, path)) {
      const ip = clientAddress(c);
      for (const { test, limiter, perMinute: limit } of tight) if (test(c.req.method, path)) refuseWhenFull(limiter.take(ip), limit);
      refuseWhenFull(general.take(ip), perMinute);
    }
    await next();
  };
}
