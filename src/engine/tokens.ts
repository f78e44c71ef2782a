import { randomBytes } from "node:crypto";
import type { Engine, Principal } from "./context";
import { authenticateApiKey } from "./auth";
import * as tokens from "../store/tokens";
import * as orgs from "../store/orgs";
import { AppError, unauthorized } from "../domain/errors";
import { looksLikeJwt, signToken, verifyToken, type TokenClaims } from "../domain/jwt";

const SECRET_NAME = "jwt_hs256";

/**
 * The signing key: JWT_SECRET when configured (required in production); in development a random key generated
 * on first start and stored in the database, so every node and every restart agrees and no default is known.
 */
export async function loadJwtSecret(e: Engine): Promise<void> {
  if (e.config.jwtSecret) {
    e.memory.jwtSecret = e.config.jwtSecret;
    return;
  }
  if (e.config.mode === "production") throw new Error("JWT_SECRET is required in production mode (at least 32 characters)");
  e.memory.jwtSecret = await tokens.ensureServerSecret(e.db, SECRET_NAME, randomBytes(48).toString("base64url"));
}

function secretOf(e: Engine): string {
  const s = e.memory.jwtSecret;
  if (!s) throw unauthorized("Token authentication is not enabled on this server");
  return s;
}

const lifetimes = (e: Engine) => ({ access: e.config.jwtExpirationHours * 3600, refresh: e.config.jwtExpirationHours * 3600 * 24 });

function mint(e: Engine, p: { orgId: string; apiKeyId: string; queues: string[] }, type: TokenClaims["token_type"]): string {
  const now = Math.floor(Date.now() / 1000);
  return signToken(secretOf(e), {
    sub: p.orgId,
    org_id: p.orgId,
    organization_id: p.orgId,
    api_key_id: p.apiKeyId,
    queues: p.queues,
    iat: now,
    nbf: now,
    exp: now + lifetimes(e)[type],
    jti: crypto.randomUUID(),
    token_type: type,
  });
}

const invalidCredentials = () => new AppError("UNAUTHORIZED", "Invalid credentials", undefined, { error: "unauthorized" });
const invalidToken = (message = "Invalid or expired token") => new AppError("UNAUTHORIZED", message, undefined, { error: "unauthorized" });

export async function login(e: Engine, apiKey: string) {
  let p: Principal;
  try {
    p = await authenticateApiKey(e, apiKey);
  } catch {
    throw invalidCredentials();
  }
  const t = lifetimes(e);
  const key = { orgId: p.orgId, apiKeyId: p.apiKeyId!, queues: p.queues };
  return {
    access_token: mint(e, key, "access"),
    refresh_token: mint(e, key, "refresh"),
    token_type: "Bearer",
    expires_in: t.access,
    refresh_expires_in: t.refresh,
  };
}

/** Verifies a token of the given type and that its key, organization and jti are all still good. */
async function checkToken(e: Engine, token: string, type: TokenClaims["token_type"]) {
  const v = verifyToken(secretOf(e), token);
  if (!v.ok || v.claims.token_type !== type) throw invalidToken();
  const key = await tokens.findTokenKey(e.db, v.claims.api_key_id, v.claims.jti);
  if (!key || key.organization_id !== v.claims.org_id) throw invalidToken();
  if (key.revoked) throw invalidToken("Token has been revoked");
  return { claims: v.claims, key };
}

export async function refresh(e: Engine, refreshToken: string) {
  const { key } = await checkToken(e, refreshToken, "refresh");
  return {
    access_token: mint(e, { orgId: key.organization_id, apiKeyId: key.id, queues: key.queues }, "access"),
    token_type: "Bearer",
    expires_in: lifetimes(e).access,
  };
}

/** The bearer resolver: a JWT access token acts exactly like the key it was minted from (its current scope). */
export async function resolveJwt(e: Engine, bearer: string): Promise<Principal | undefined> {
  if (!looksLikeJwt(bearer)) return undefined;
  const { key } = await checkToken(e, bearer, "access");
  return { orgId: key.organization_id, apiKeyId: key.id, queues: key.queues ?? ["*"], planTier: key.plan_tier, rateLimit: key.rate_limit ?? null };
}

/** Denylists the access token (and a supplied refresh token) until they expire. API-key bearers: nothing to do. */
export async function logout(e: Engine, bearer: string, refreshToken?: string): Promise<void> {
  for (const token of [bearer, refreshToken]) {
    if (!token || !looksLikeJwt(token)) continue;
    const v = verifyToken(secretOf(e), token);
    if (v.ok) await tokens.denyToken(e.db, v.claims.jti, new Date(v.claims.exp * 1000));
  }
}

export async function me(e: Engine, bearer: string) {
  if (!looksLikeJwt(bearer)) throw invalidToken("A JWT access token is required");
  const { claims, key } = await checkToken(e, bearer, "access");
  const org = await orgs.getOrganization(e.db, key.organization_id);
  return {
    organization_id: key.organization_id,
    api_key_id: key.id,
    queues: key.queues,
    issued_at: new Date(claims.iat * 1000).toISOString(),
    expires_at: new Date(claims.exp * 1000).toISOString(),
    organization: org ? { id: org.id, name: org.name, slug: org.slug, plan_tier: org.plan_tier, billing_email: org.billing_email ?? null } : null,
  };
}

/** Never throws for a bad token: {valid:false, error} (with `message` too, which the SDK type reads). */
export async function validate(e: Engine, token: string) {
  const v = verifyToken(secretOf(e), token);
  if (!v.ok) return { valid: false, error: "Invalid token", message: "Invalid token" };
  if (await tokens.isTokenRevoked(e.db, v.claims.jti)) return { valid: false, error: "Token has been revoked", message: "Token has been revoked" };
  return { valid: true, claims: v.claims };
}

export const pruneDenylist = (e: Engine) => tokens.pruneDenylist(e.db);
