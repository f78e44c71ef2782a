import type { Context, MiddlewareHandler } from "hono";
import type { Engine, Principal } from "../engine/context";
import { authenticateApiKey } from "../engine/auth";
import { unauthorized } from "../domain/errors";

export type AppEnv = { Variables: { principal: Principal; requestId: string } };

/** Extracts the bearer credential; query-string credentials are only honoured where allowQuery is set. */
export function bearerOf(c: Context, allowQuery = false): string | undefined {
  const header = c.req.header("authorization");
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw unauthorized("Missing or invalid Authorization header");
    return m[1];
  }
  const apiKeyHeader = c.req.header("x-api-key");
  if (apiKeyHeader) return apiKeyHeader.trim();
  if (allowQuery) return c.req.query("token") ?? c.req.query("api_key") ?? undefined;
  return undefined;
}

/** Resolvers for bearer values that are not API keys (JWTs); features register theirs here. */
export type BearerResolver = (engine: Engine, token: string) => Promise<Principal | undefined>;
export const bearerResolvers: BearerResolver[] = [];

/** Checks run on every authenticated request once the principal is known (rate limits); throw to refuse. */
export type PrincipalGuard = (c: Context<AppEnv>, engine: Engine, principal: Principal) => Promise<void>;
export const principalGuards: PrincipalGuard[] = [];

export async function resolvePrincipal(engine: Engine, token: string): Promise<Principal> {
  for (const resolve of bearerResolvers) {
    const p = await resolve(engine, token);
    if (p) return p;
  }
  return authenticateApiKey(engine, token);
}

export function requireAuth(engine: Engine, opts: { allowQuery?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerOf(c, opts.allowQuery);
    if (!token) throw unauthorized("Missing or invalid Authorization header");
    const principal = await resolvePrincipal(engine, token);
    c.set("principal", principal);
    for (const guard of principalGuards) await guard(c, engine, principal);
    await next();
  };
}
