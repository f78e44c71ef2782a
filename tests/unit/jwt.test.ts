import { describe, test, expect } from "bun:test";
import { signToken, verifyToken, looksLikeJwt } from "../../src/domain/jwt";

const SECRET = "unit-test-secret-of-sufficient-length";
const now = 1_800_000_000;
const claims = { sub: "o", org_id: "o", organization_id: "o", api_key_id: "k", queues: ["*"], iat: now, nbf: now, exp: now + 60, jti: "j", token_type: "access" as const };
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

describe("HS256 tokens", () => {
  test("a signed token verifies and round-trips its claims", () => {
    const t = signToken(SECRET, claims);
    expect(looksLikeJwt(t)).toBe(true);
    expect(verifyToken(SECRET, t, now + 1)).toEqual({ ok: true, claims });
  });

  test("expired, not yet valid, wrong key, tampered payload, alg none and garbage are refused", () => {
    const t = signToken(SECRET, claims);
    expect(verifyToken(SECRET, t, now + 60)).toEqual({ ok: false, reason: "expired" });
    expect(verifyToken(SECRET, t, now - 100)).toEqual({ ok: false, reason: "not_yet_valid" });
    expect(verifyToken("another-secret-of-sufficient-length", t, now)).toEqual({ ok: false, reason: "signature" });
    const [h, , sig] = t.split(".");
    expect(verifyToken(SECRET, `${h}.${b64({ ...claims, org_id: "other" })}.${sig}`, now)).toEqual({ ok: false, reason: "signature" });
    expect(verifyToken(SECRET, `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`, now)).toEqual({ ok: false, reason: "malformed" });
    for (const bad of ["", "a.b", "a.b.c.d", "eyJ!.x.y", `${h}.not-json.${sig}`]) expect(verifyToken(SECRET, bad, now).ok).toBe(false);
  });
});
