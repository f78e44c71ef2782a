import { describe, test, expect } from "bun:test";
import { createHmac } from "node:crypto";
import { generateSigningSecret, githubSignatureValid, standardWebhookSignature, stripeSignatureValid } from "../../src/domain/signatures";
import { verifyStandardWebhook } from "../helpers/receivers";

describe("signatures", () => {
  test("Standard Webhooks: the published example vector verifies", async () => {
    // Test vector from the Standard Webhooks specification's reference libraries.
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const sig = standardWebhookSignature([secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}');
    expect(sig).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });
  test("Standard Webhooks: one entry per secret, each verifiable on its own", async () => {
    const [a, b] = [generateSigningSecret(), generateSigningSecret()];
    const headers = { "webhook-id": "job-1", "webhook-timestamp": "1700000000", "webhook-signature": standardWebhookSignature([a, b], "job-1", 1700000000, "{}") };
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(await verifyStandardWebhook(a, headers, "{}")).toBe(true);
    expect(await verifyStandardWebhook(b, headers, "{}")).toBe(true);
    expect(await verifyStandardWebhook(generateSigningSecret(), headers, "{}")).toBe(false);
  });
  test("GitHub: sha256=<hex> over the raw bytes", () => {
    const body = Buffer.from('{"zen":"Keep it logically awesome."}');
    const good = `sha256=${createHmac("sha256", "gh").update(body).digest("hex")}`;
    expect(githubSignatureValid("gh", body, good)).toBe(true);
    expect(githubSignatureValid("gh", Buffer.concat([body, Buffer.from(" ")]), good)).toBe(false);
    expect(githubSignatureValid("other", body, good)).toBe(false);
    expect(githubSignatureValid("gh", body, undefined)).toBe(false);
  });
  test("Stripe: any v1 may match; timestamps older than 300 s or more than 60 s ahead are refused", () => {
    const body = Buffer.from('{"id":"evt_1"}');
    const now = 1_700_000_000;
    const sign = (t: number, secret = "st") => createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
    expect(stripeSignatureValid("st", body, `t=${now},v1=${sign(now)}`, now)).toBe(true);
    expect(stripeSignatureValid("st", body, `t=${now},v1=${sign(now, "old")},v1=${sign(now)}`, now)).toBe(true);
    expect(stripeSignatureValid("st", body, `t=${now - 299},v1=${sign(now - 299)}`, now)).toBe(true);
    expect(stripeSignatureValid("st", body, `t=${now - 301},v1=${sign(now - 301)}`, now)).toBe(false);
    expect(stripeSignatureValid("st", body, `t=${now + 61},v1=${sign(now + 61)}`, now)).toBe(false);
    expect(stripeSignatureValid("st", body, `v1=${sign(now)}`, now)).toBe(false);
    expect(stripeSignatureValid("st", body, `t=${now},v0=${sign(now)}`, now)).toBe(false);
  });
});
