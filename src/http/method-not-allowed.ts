import type { Hono, MiddlewareHandler } from "hono";
import { TrieRouter } from "hono/router/trie-router";
import type { AppEnv } from "./auth";

/**
 * Answers 405 with an `Allow` header when a path is served but not with the request's method (RFC 9110 15.5.6),
 * instead of the 404 a router gives. The allowed methods are derived from the app's own registered routes, so a
 * route added anywhere is covered without a list to keep in sync. `use`/`all` entries are middleware here (auth,
 * CORS, limits) and say nothing about which methods a path serves, so they are left out.
 *
 * Runs before authentication: which methods a path takes is public (the contract), and a client that sends the
 * wrong method should learn that rather than be told to log in.
 */
export function methodNotAllowed(app: Hono<AppEnv>): MiddlewareHandler<AppEnv> {
  let index: TrieRouter<string> | undefined;
  const build = () => {
    const router = new TrieRouter<string>();
    for (const route of app.routes) if (route.method !== "ALL") router.add("ALL", route.path, route.method);
    return router;
  };
  return async (c, next) => {
    const method = c.req.method === "HEAD" ? "GET" : c.req.method;
    // OPTIONS belongs to CORS preflight; routes are all registered by the first request, so the index is built then.
    if (method === "OPTIONS") return next();
    index ??= build();
    const allowed = new Set(index.match("ALL", c.req.path)[0].map(([m]) => m));
    if (allowed.size === 0 || allowed.has(method)) return next();
    if (allowed.has("GET")) allowed.add("HEAD");
    const allow = [...allowed].sort().join(", ");
    c.header("Allow", allow);
    return c.json({ code: "METHOD_NOT_ALLOWED", message: `Method ${c.req.method} is not allowed on this path; allowed: ${allow}` }, 405);
  };
}
