/**
 * Organization settings keys that hold secrets. One list, so that every view hides the same keys and every
 * settings update keeps them: after creation a secret is never echoed (issue 7), and a client that reads its
 * settings and writes them back does not erase secrets it cannot see.
 */
export const SECRET_SETTINGS = ["webhook_token", "github_webhook_secret", "stripe_webhook_secret"] as const;

/** Secrets that only their own routes change (the webhook-token routes): a settings update cannot set them. */
export const ROUTE_MANAGED_SETTINGS = ["webhook_token"] as const;

const secret = new Set<string>(SECRET_SETTINGS);

/** Settings as shown to anyone: without secret-bearing keys. */
export function publicSettings(settings: Record<string, unknown> | null | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings ?? {}).filter(([key]) => !secret.has(key)));
}
