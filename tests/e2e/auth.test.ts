import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { signToken } from "../../src/domain/jwt";

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());

for (const kind of await databaseKinds()) {
  describe(`authentication and JWT (${kind})`, () => {
    let s: TestServer;
    let org: { orgId: string; key: string; client: Client };
    beforeAll(async () => {
      s = await startTestServer(kind);
      org = await s.newOrg();
    });
    afterAll(() => s.stop());

    const login = async (apiKey: string) => {
      const r = await s.client().post("/api/v1/auth/login", { api_key: apiKey });
      expect(r.status).toBe(200);
      return r.body as { access_token: string; refresh_token: string; expires_in: number; refresh_expires_in: number; token_type: string };
    };

    test("missing header, wrong scheme, empty bearer and unknown keys are 401 with the JSON envelope", async () => {
      for (const headers of [{} as Record<string, string>, { authorization: "Basic abc" }, { authorization: "Bearer" }, { authorization: `Token ${org.key}` }]) {
        const r = await s.client().get("/api/v1/dashboard", headers);
        expect(r.status).toBe(401);
        expect(r.body.code).toBe("UNAUTHORIZED");
      }
      const unknown = await s.client("sk_live_" + "A".repeat(43)).get("/api/v1/dashboard");
      expect(unknown.status).toBe(401);
      expect((await s.client().get(`/api/v1/dashboard?api_key=${org.key}`)).status).toBe(401);
      expect((await org.client.get("/api/v1/dashboard")).status).toBe(200);
    });

    test("login gives access and refresh tokens that carry the key's org and scope", async () => {
      const t = await login(org.key);
      expect(t).toMatchObject({ token_type: "Bearer", expires_in: 86400, refresh_expires_in: 2073600 });
      const claims = decode(t.access_token);
      expect(claims).toMatchObject({ sub: org.orgId, org_id: org.orgId, token_type: "access", queues: ["*"] });
      expect(claims.exp - claims.iat).toBe(86400);
      expect(decode(t.refresh_token).token_type).toBe("refresh");
      // The JWT works on every REST route like the key that minted it.
      const viaJwt = s.client(t.access_token);
      const job = await viaJwt.post("/api/v1/jobs", { queue_name: "jwt-q", payload: { a: 1 } });
      expect(job.status).toBe(201);
      expect((await org.client.get(`/api/v1/jobs/${job.body.id}`)).status).toBe(200);
      const me = await viaJwt.get("/api/v1/auth/me");
      expect(me.body).toMatchObject({ organization_id: org.orgId, queues: ["*"], organization: { id: org.orgId, plan_tier: "free" } });
      expect(me.body.api_key_id).toBeString();
    });

    test("bad logins are 401 'Invalid credentials'; a short api_key is a 400 naming the field", async () => {
      const bad = await s.client().post("/api/v1/auth/login", { api_key: "sk_test_" + "z".repeat(43) });
      expect(bad.status).toBe(401);
      expect(bad.body).toMatchObject({ code: "UNAUTHORIZED", error: "unauthorized", message: "Invalid credentials" });
      const short = await s.client().post("/api/v1/auth/login", { api_key: "short" });
      expect(short.status).toBe(400);
      expect(short.body.details[0].field).toBe("api_key");
    });

    test("refresh gives a new access token every call; a refresh token is not an access token", async () => {
      const t = await login(org.key);
      const a = await s.client().post("/api/v1/auth/refresh", { refresh_token: t.refresh_token });
      const b = await s.client().post("/api/v1/auth/refresh", { refresh_token: t.refresh_token });
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({ token_type: "Bearer", expires_in: 86400 });
      expect(a.body.access_token).not.toBe(b.body.access_token);
      expect(a.body.access_token).not.toBe(t.access_token);
      expect((await s.client(a.body.access_token).get("/api/v1/dashboard")).status).toBe(200);

      // refresh token used as an access token, and an access token used to refresh
      expect((await s.client(t.refresh_token).get("/api/v1/dashboard")).status).toBe(401);
      expect((await s.client(t.refresh_token).get("/api/v1/auth/me")).status).toBe(401);
      expect((await s.client().post("/api/v1/auth/refresh", { refresh_token: t.access_token })).status).toBe(401);
    });

    test("logout: the token is refused afterwards (also by a second node on the same database); API-key logout is a no-op", async () => {
      const t = await login(org.key);
      const jwt = s.client(t.access_token);
      expect((await jwt.get("/api/v1/dashboard")).status).toBe(200);
      const out = await jwt.post("/api/v1/auth/logout");
      expect(out.status).toBe(204);
      expect((await jwt.get("/api/v1/dashboard")).status).toBe(401);
      expect((await jwt.get("/api/v1/auth/me")).status).toBe(401);
      const v = await s.client().post("/api/v1/auth/validate", { token: t.access_token });
      expect(v.body).toEqual({ valid: false, error: "Token has been revoked", message: "Token has been revoked" });

      // logout with the refresh token as well: it cannot mint new tokens any more
      const t2 = await login(org.key);
      expect((await s.client(t2.access_token).post("/api/v1/auth/logout", { refresh_token: t2.refresh_token })).status).toBe(204);
      expect((await s.client().post("/api/v1/auth/refresh", { refresh_token: t2.refresh_token })).status).toBe(401);

      expect((await org.client.post("/api/v1/auth/logout")).status).toBe(204);
      expect((await org.client.get("/api/v1/dashboard")).status).toBe(200);
    });

    test("validate never answers 401: claims for a good token, valid:false for garbage", async () => {
      const t = await login(org.key);
      const ok = await s.client().post("/api/v1/auth/validate", { token: t.access_token });
      expect(ok.status).toBe(200);
      expect(ok.body.valid).toBe(true);
      expect(ok.body.claims).toMatchObject({ sub: org.orgId, org_id: org.orgId, organization_id: org.orgId, token_type: "access" });
      expect(ok.body.claims.jti).toMatch(/^[0-9a-f-]{36}$/);
      const bad = await s.client().post("/api/v1/auth/validate", { token: "eyJnot.a.token" });
      expect(bad.body).toEqual({ valid: false, error: "Invalid token", message: "Invalid token" });
      const tampered = t.access_token.slice(0, -3) + (t.access_token.endsWith("AAA") ? "BBB" : "AAA");
      expect((await s.client().post("/api/v1/auth/validate", { token: tampered })).body.valid).toBe(false);
      expect((await s.client(tampered).get("/api/v1/dashboard")).status).toBe(401);
    });

    test("an expired JWT (signed with the server's own key) is refused", async () => {
      const [row] = await s.db.query<{ value: string }>("SELECT value FROM server_secrets WHERE name = 'jwt_hs256'");
      expect(row?.value.length).toBeGreaterThanOrEqual(40);
      const keyId = decode((await login(org.key)).access_token).api_key_id;
      const now = Math.floor(Date.now() / 1000);
      const claims = { sub: org.orgId, org_id: org.orgId, organization_id: org.orgId, api_key_id: keyId, queues: ["*"], jti: crypto.randomUUID(), token_type: "access" as const };
      const fresh = signToken(row!.value, { ...claims, iat: now, nbf: now, exp: now + 60 });
      const expired = signToken(row!.value, { ...claims, jti: crypto.randomUUID(), iat: now - 120, nbf: now - 120, exp: now - 60 });
      expect((await s.client(fresh).get("/api/v1/dashboard")).status).toBe(200);
      const r = await s.client(expired).get("/api/v1/dashboard");
      expect(r.status).toBe(401);
      expect(r.body.message).toBe("Invalid or expired token");
      // and one signed with any other key is refused too
      expect((await s.client(signToken("a-different-secret-of-enough-length!!", { ...claims, iat: now, nbf: now, exp: now + 60 })).get("/api/v1/dashboard")).status).toBe(401);
    });

    test("a revoked key fails on the very next request, on every node, and its JWTs die with it", async () => {
      const created = await org.client.post("/api/v1/api-keys", { name: "to revoke" });
      expect(created.status).toBe(201);
      const k = s.client(created.body.key);
      const t = await login(created.body.key);
      expect((await k.get("/api/v1/dashboard")).status).toBe(200);
      expect((await s.client(t.access_token).get("/api/v1/dashboard")).status).toBe(200);
      // A second server on the same database (another node) sees the key work too ...
      const node2 = await startSecondNode(s);
      try {
        expect((await node2.client(created.body.key).get("/api/v1/dashboard")).status).toBe(200);
        expect((await org.client.delete(`/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
        // ... and both refuse it on the very next request.
        expect((await k.get("/api/v1/dashboard")).status).toBe(401);
        expect((await node2.client(created.body.key).get("/api/v1/dashboard")).status).toBe(401);
        expect((await s.client(t.access_token).get("/api/v1/dashboard")).status).toBe(401);
        expect((await node2.client(t.access_token).get("/api/v1/dashboard")).status).toBe(401);
        expect((await s.client().post("/api/v1/auth/refresh", { refresh_token: t.refresh_token })).status).toBe(401);
        expect((await s.client().post("/api/v1/auth/login", { api_key: created.body.key })).status).toBe(401);
      } finally {
        await node2.stop();
      }
      const listed = (await org.client.get(`/api/v1/api-keys/${created.body.id}`)).body;
      expect(listed.is_active).toBe(false);
    });

    test("an expired key is refused; a deactivated key comes back when reactivated", async () => {
      const created = await org.client.post("/api/v1/api-keys", { name: "short lived", expires_at: new Date(Date.now() + 3600_000).toISOString() });
      expect(created.body.expires_at).toBeString();
      const k = s.client(created.body.key);
      expect((await k.get("/api/v1/dashboard")).status).toBe(200);
      await s.db.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [created.body.id]);
      expect((await k.get("/api/v1/dashboard")).status).toBe(401);

      const other = await org.client.post("/api/v1/api-keys", { name: "toggled" });
      const o = s.client(other.body.key);
      expect((await org.client.put(`/api/v1/api-keys/${other.body.id}`, { is_active: false })).body.is_active).toBe(false);
      expect((await o.get("/api/v1/dashboard")).status).toBe(401);
      expect((await org.client.put(`/api/v1/api-keys/${other.body.id}`, { is_active: true })).body.is_active).toBe(true);
      expect((await o.get("/api/v1/dashboard")).status).toBe(200);
      expect((await org.client.post("/api/v1/api-keys", { name: "past", expires_at: new Date(Date.now() - 1000).toISOString() })).status).toBe(400);
    });

    test("a key scoped to queue a cannot touch queue b, by key or by its JWT", async () => {
      const scoped = await org.client.post("/api/v1/api-keys", { name: "only a", queues: ["a"] });
      expect(scoped.body.queues).toEqual(["a"]);
      const onB = (await org.client.post("/api/v1/jobs", { queue_name: "b", payload: {} })).body.id;
      const t = await login(scoped.body.key);
      expect(decode(t.access_token).queues).toEqual(["a"]);
      for (const c of [s.client(scoped.body.key), s.client(t.access_token)]) {
        expect((await c.post("/api/v1/jobs", { queue_name: "a", payload: {} })).status).toBe(201);
        const create = await c.post("/api/v1/jobs", { queue_name: "b", payload: {} });
        expect(create.status).toBe(403);
        expect(create.body.code).toBe("ACCESS_DENIED");
        expect((await c.post("/api/v1/jobs/claim", { queue_name: "b", worker_id: "w" })).status).toBe(403);
        expect((await c.get(`/api/v1/jobs/${onB}`)).status).toBe(404);
        expect((await c.get("/api/v1/jobs?queue_name=b")).body).toEqual([]);
        expect((await c.get("/api/v1/jobs")).body.every((j: any) => j.queue_name === "a")).toBe(true);
        expect((await c.post("/api/v1/queues/b/pause")).status).toBe(403);
        // no escalation: a scoped key cannot mint a key for all queues or for another queue
        expect((await c.post("/api/v1/api-keys", { name: "escalate" })).status).toBe(403);
        expect((await c.post("/api/v1/api-keys", { name: "escalate", queues: ["b"] })).status).toBe(403);
        expect((await c.post("/api/v1/api-keys", { name: "narrower", queues: ["a"] })).status).toBe(201);
        // nor reactivate or rescope the organization's full keys, nor manage the organization
        const full = (await org.client.get("/api/v1/api-keys")).body.find((k: any) => k.queues.includes("*"));
        expect((await c.put(`/api/v1/api-keys/${full.id}`, { name: "mine now" })).status).toBe(403);
        expect((await c.post("/api/v1/organizations/webhook-token/regenerate")).status).toBe(403);
        expect((await c.delete(`/api/v1/organizations/${org.orgId}`)).status).toBe(403);
      }
    });
  });
}

/** Another server process-equivalent on the same database: what a second node sees. */
async function startSecondNode(s: TestServer) {
  const { loadConfig } = await import("../../src/config");
  const { startServer } = await import("../../src/server");
  const { Client } = await import("../helpers/server");
  const config = loadConfig({ HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_QUIET: "true", SPINDLE_LOOPS: "false", SPINDLE_QUOTAS: "off", ...(s.databaseUrl ? { DATABASE_URL: s.databaseUrl } : {}) });
  // PGlite is one embedded session: a second node shares the same handle (as a second app would in one process).
  const node = await startServer(config, s.databaseUrl ? {} : { db: s.db });
  return { client: (key?: string) => new Client(node.url, key), stop: node.stop };
}
