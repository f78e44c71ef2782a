import { createHmac, randomBytes } from "node:crypto";
import { safeEqual } from "./credentials";

/** HMAC signatures Spindle produces (outgoing) and checks (ingestion). */

const hmac = (key: string | Buffer, data: string | Buffer) => createHmac("sha256", key).update(data);

/** `whsec_` + base64 of 32 random bytes: the Standard Webhooks secret format. */
export const generateSigningSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

/** The key bytes of a Standard Webhooks secret: base64 after the `whsec_` prefix. */
export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
}

/**
 * Standard Webhooks `webhook-signature`: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one entry per secret,
 * space-separated, so a receiver holding either side of a rotation can verify.
 */
export function standardWebhookSignature(secrets: string[], id: string, timestampSecs: number, body: string): string {
  const signed = `${id}.${timestampSecs}.${body}`;
  return secrets.map((s) => `v1,${hmac(signingKey(s), signed).digest("base64")}`).join(" ");
}

/** Spooled's outgoing notification signature: `sha256=<hex HMAC-SHA256 of "timestamp.body">` with the webhook's secret. */
export const spooledSignature = (secret: string, timestampSecs: number, body: string) =>
  `sha256=${hmac(secret, `${timestampSecs}.${body}`).digest("hex")}`;

/** GitHub `X-Hub-Signature-256: sha256=<hex HMAC of the raw body>`. */
export function githubSignatureValid(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  return safeEqual(header.trim().toLowerCase(), `sha256=${hmac(secret, rawBody).digest("hex")}`);
}

export const STRIPE_TOLERANCE = { pastSecs: 300, futureSecs: 60 };

/** Stripe `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]` over `t.body`; any v1 may match; t must be recent. */
export function stripeSignatureValid(secret: string, rawBody: Buffer, header: string | undefined, nowSecs: number): boolean {
  if (!header) return false;
  const parts = header.split(",").map((p) => p.trim().split("=", 2) as [string, string | undefined]);
  const t = parts.find(([k]) => k === "t")?.[1];
  if (!t || !/^\d{1,12}$/.test(t)) return false;
  const age = nowSecs - Number(t);
  if (age > STRIPE_TOLERANCE.pastSecs || age < -STRIPE_TOLERANCE.futureSecs) return false;
  const expected = hmac(secret, Buffer.concat([Buffer.from(`${t}.`), rawBody])).digest("hex");
  return parts.filter(([k, v]) => k === "v1" && v).some(([, v]) => safeEqual(v!.toLowerCase(), expected));
}
