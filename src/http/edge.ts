import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { Config } from "../config";
import { originAllowed } from "../config";
import type { AppEnv } from "./auth";

/** Headers every response carries: the API serves JSON only, never to be framed, sniffed or leaked via Referer. */
export function securityHeaders(config: Config): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    if (!h.has("Content-Security-Policy")) h.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    if (config.mode === "production") h.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  };
}

/**
 * CORS for browsers, from the explicit allow-list (CORS_ALLOWED_ORIGINS); an origin not on the list gets no
 * Access-Control-Allow-Origin at all. Credentials are bearer headers, never cookies, so no allow-credentials.
 * It runs before every route, so the Connect (gRPC-web) routes mounted on this app share it.
 */
export function corsPolicy(config: Config): MiddlewareHandler<AppEnv> {
  return cors({
    origin: (origin) => (originAllowed(config.corsOrigins, origin) ? origin : null),
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: [
      "Authorization", "Content-Type", "Accept", "X-API-Key", "X-Admin-Key", "X-Request-ID", "X-API-Version", "Idempotency-Key",
      "Last-Event-ID", "X-Webhook-Token", "Connect-Protocol-Version", "Connect-Timeout-Ms", "X-Grpc-Web", "X-User-Agent", "Grpc-Timeout",
    ],
    exposeHeaders: [
      "X-Request-ID", "X-API-Version", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
      "Grpc-Status", "Grpc-Message", "Grpc-Status-Details-Bin",
    ],
    maxAge: 600,
  }) as MiddlewareHandler<AppEnv>;
}
