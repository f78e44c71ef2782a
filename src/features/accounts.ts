import type { Feature } from "./feature";
import type { PrincipalGuard } from "../http/auth";
import { corsPolicy, securityHeaders } from "../http/edge";
import { publicLimits } from "../http/public-limit";
import { organizationRoutes } from "../http/routes/organizations";
import { apiKeyRoutes } from "../http/routes/api-keys";
import { authRoutes } from "../http/routes/auth-tokens";
import { adminRoutes } from "../http/routes/admin";
import { billingRoutes, publicBillingRoutes } from "../http/routes/billing";
import { dashboardRoutes } from "../http/routes/dashboard";
import { loadJwtSecret, pruneDenylist, resolveJwt } from "../engine/tokens";
import { checkJobQuota, countCreatedJobs } from "../engine/quotas";
import { pruneBuckets, takeRequest, type RateLimitState } from "../engine/rate-limit";
import { AppError } from "../domain/errors";

function rateLimitHeaders(set: (name: string, value: string) => void, s: RateLimitState): void {
  set("X-RateLimit-Limit", String(s.limit));
  set("X-RateLimit-Remaining", String(s.remaining));
  set("X-RateLimit-Reset", String(s.resetAt));
}

/** Per-key and per-organization buckets on every authenticated request, with X-RateLimit-* on the answer. */
const rateLimitGuard: PrincipalGuard = async (c, engine, principal) => {
  try {
    const state = await takeRequest(engine, principal);
    if (state) rateLimitHeaders((n, v) => c.header(n, v), state);
  } catch (err) {
    if (err instanceof AppError && err.code === "RATE_LIMIT_EXCEEDED") {
      const x = err.extra as { limit: number; reset_at: number };
      rateLimitHeaders((n, v) => c.header(n, v), { limit: x.limit, remaining: 0, resetAt: x.reset_at });
    }
    throw err;
  }
};

/**
 * Accounts and guard rails: organizations, API keys, JWT, admin, plans and quotas, rate limits, billing stubs,
 * the dashboard, security headers and CORS. See docs/accounts.md.
 */
export const accountsFeature: Feature = {
  name: "accounts",
  build: ({ engine }) => ({
    middleware: [corsPolicy(engine.config), securityHeaders(engine.config), publicLimits(engine.config.publicRateLimitPerMinute)],
    credentials: [resolveJwt],
    guards: [rateLimitGuard],
    routes: ({ publicApi, api, auth }) => {
      publicApi.route("/auth", authRoutes(engine, auth));
      publicApi.route("/admin", adminRoutes(engine));
      publicApi.route("/billing", publicBillingRoutes());
      api.route("/organizations", organizationRoutes(engine));
      api.route("/api-keys", apiKeyRoutes(engine));
      api.route("/billing", billingRoutes(engine));
      api.route("/dashboard", dashboardRoutes(engine));
    },
    loops: [
      { name: "jwt-denylist-pruner", intervalMs: 10 * 60_000, tick: pruneDenylist },
      { name: "rate-bucket-pruner", intervalMs: 10 * 60_000, tick: pruneBuckets },
    ],
    hooks: {
      validateInsert: [(tx, orgId, count, jobs) => checkJobQuota(engine, tx, orgId, count, jobs)],
      onTransition: [
        async (tx, event, rows) => {
          if (event === "created") await countCreatedJobs(tx, rows);
        },
      ],
    },
    start: () => loadJwtSecret(engine),
  }),
};
