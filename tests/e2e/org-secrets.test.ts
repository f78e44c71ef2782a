import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { createHmac } from "node:crypto";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer } from "../helpers/server";

const ADMIN = "admin-key-for-org-secret-tests-0123456789";

/** Issue 7's bar: no organization view echoes a secret kept in its settings, and updates do not erase them. */
for (const kind of await databaseKinds()) {
  describe(`organization settings secrets are never echoed (${kind})`, () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startTestServer(kind, { ADMIN_API_KEY: ADMIN });
    });
    afterAll(() => s.stop());

    test("webhook token, GitHub and Stripe secrets: absent from every list, get and update response, and kept", async () => {
      const { orgId, key, client } = await s.newOrg();
      const github = `gh-secret-${crypto.randomUUID()}`;
      const stripe = `whsec_stripe-${crypto.randomUUID()}`;
      const token = (await client.post(`/api/v1/organizations/${orgId}/webhook-token/regenerate`)).body.webhook_token as string;
      expect(token).toMatch(/^whk_/);
      const setting = await client.put(`/api/v1/organizations/${orgId}`, { settings: { theme: "dark", github_webhook_secret: github, stripe_webhook_secret: stripe } });
      expect(setting.status).toBe(200);
      expect(setting.body.settings).toEqual({ theme: "dark" });

      const raw = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
        const res = await fetch(`${s.url}${path}`, {
          method,
          headers: { "content-type": "application/json", ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        expect(res.status).toBeLessThan(300);
        return res.text();
      };
      const owner = { authorization: `Bearer ${key}` };
      const admin = { "x-admin-key": ADMIN };
      const responses = [
        await raw("GET", "/api/v1/organizations", owner),
        await raw("GET", `/api/v1/organizations/${orgId}`, owner),
        await raw("PUT", `/api/v1/organizations/${orgId}`, owner, { name: "Renamed org", settings: { theme: "light" } }),
        await raw("GET", "/api/v1/admin/organizations?limit=100", admin),
        await raw("GET", `/api/v1/admin/organizations/${orgId}`, admin),
        await raw("PATCH", `/api/v1/admin/organizations/${orgId}`, admin, { settings: { theme: "blue" } }),
        await raw("GET", "/api/v1/dashboard", owner),
      ];
      for (const text of responses) {
        for (const secret of [token, github, stripe]) expect(text).not.toContain(secret);
        expect(text).not.toContain("webhook_secret");
      }
      expect(JSON.parse(responses[5]!).settings).toEqual({ theme: "blue" });

      // Both updates above replaced settings without naming the secrets: all three are still in force.
      const [row] = await s.db.query<{ settings: any }>("SELECT settings FROM organizations WHERE id = $1", [orgId]);
      expect(row!.settings).toEqual({ theme: "blue", webhook_token: token, github_webhook_secret: github, stripe_webhook_secret: stripe });
      const body = '{"ref":"main"}';
      const sig = `sha256=${createHmac("sha256", github).update(body).digest("hex")}`;
      const ingested = await fetch(`${s.url}/api/v1/webhooks/${orgId}/github`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-github-event": "push", "x-hub-signature-256": sig, "x-webhook-token": token },
        body,
      });
      expect(ingested.status).toBe(200);

      // A settings update can replace or clear a secret it names, but never the route-managed webhook token.
      await client.put(`/api/v1/organizations/${orgId}`, { settings: { github_webhook_secret: "rotated", stripe_webhook_secret: null, webhook_token: "chosen" } });
      const [after] = await s.db.query<{ settings: any }>("SELECT settings FROM organizations WHERE id = $1", [orgId]);
      expect(after!.settings).toEqual({ webhook_token: token, github_webhook_secret: "rotated" });
    });
  });
}
