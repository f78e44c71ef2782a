import type { Context, MiddlewareHandler } from "hono";
import type { Engine, Principal } from "../engine/context";
import { resolvePrincipal } from "../engine/auth";
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

/** Checks run on every authenticated request once the principal is known (rate limits); throw to refuse. */
export type PrincipalGuard = (c: Context<AppEnv>, engine: Engine, principal: Principal) => Promise<void>;

/** How this app authenticates a request: the engine's credential lookup, then the guards the features brought. */
export class RequestAuth {
  constructor(
    readonly engine: Engine,
    private readonly guards: readonly PrincipalGuard[],
  ) {}

  resolve(token: string): Promise<Principal> {
    return resolvePrincipal(this.engine, token);
  }

  async admit(c: Context<AppEnv>, principal: Principal): Promise<void> {
    for (const guard of this.guards) await guard(c, this.engine, principal);
  }

  require(opts: { allowQuery?: boolean } = {}): MiddlewareHandler<AppEnv> {
    return async (c, next) => {
      const token = bearerOf(c, opts.allowQuery);
      if (!token) throw unauthorized("Missing or invalid Authorization header");
      const principal = await this.resolve(token);
      c.set("principal", principal);
      await this.admit(c, principal);
      await next();
    };
  }
}
