import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** `sk_live_` / `sk_test_` + 43 base64url chars (256 random bits). */
export function generateApiKey(mode: "development" | "production"): string {
  return `sk_${mode === "production" ? "live" : "test"}_${randomBytes(32).toString("base64url")}`;
}

/** Keys are high-entropy, so one SHA-256 is a safe index (no slow hash needed, no prefix scan). */
export const hashApiKey = (key: string) => createHash("sha256").update(key.trim()).digest("hex");

export const looksLikeApiKey = (s: string) => /^(sk|sp)_(live|test)_[A-Za-z0-9_\-]{10,200}$/.test(s.trim());

/** Constant-time string comparison (via fixed-length digests, so lengths leak nothing either). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

/** Per-organization token for incoming custom webhooks: `whk_` + 32 base64url chars (24 random bytes). */
export const generateWebhookToken = () => `whk_${randomBytes(24).toString("base64url")}`;
