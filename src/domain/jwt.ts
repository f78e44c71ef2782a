import { createHmac, timingSafeEqual } from "node:crypto";

/** Claims of Spindle's access and refresh tokens (contract semantics §14). */
export interface TokenClaims {
  sub: string;
  org_id: string;
  organization_id: string;
  api_key_id: string;
  queues: string[];
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  token_type: "access" | "refresh";
}

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

const signature = (secret: string, signingInput: string) => createHmac("sha256", secret).update(signingInput).digest();

export function signToken(secret: string, claims: TokenClaims): string {
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${body}.${signature(secret, body).toString("base64url")}`;
}

export type VerifyResult = { ok: true; claims: TokenClaims } | { ok: false; reason: "malformed" | "signature" | "expired" | "not_yet_valid" };

/** Checks the HS256 signature in constant time (only HS256 is accepted, whatever the header says), then exp/nbf. */
export function verifyToken(secret: string, token: string, nowSecs = Math.floor(Date.now() / 1000)): VerifyResult {
  const parts = token.trim().split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return { ok: false, reason: "malformed" };
  let header: any;
  let claims: any;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (header?.alg !== "HS256" || !claims || typeof claims !== "object") return { ok: false, reason: "malformed" };
  const expected = signature(secret, `${parts[0]}.${parts[1]}`);
  const given = Buffer.from(parts[2]!, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "signature" };
  if (typeof claims.exp !== "number" || typeof claims.jti !== "string" || typeof claims.api_key_id !== "string") return { ok: false, reason: "malformed" };
  if (claims.exp <= nowSecs) return { ok: false, reason: "expired" };
  if (typeof claims.nbf === "number" && claims.nbf > nowSecs + 5) return { ok: false, reason: "not_yet_valid" };
  return { ok: true, claims: claims as TokenClaims };
}

/** The contract's rule: a bearer value starting with `eyJ` is a JWT, anything else an API key. */
export const looksLikeJwt = (s: string) => s.startsWith("eyJ");
