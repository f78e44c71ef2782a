import { iso } from "./views";
import { publicSettings } from "./org-settings";

export function organizationView(r: any) {
  return {
    id: r.id,
    name: r.name,
    slug: r.slug,
    plan_tier: r.plan_tier,
    billing_email: r.billing_email ?? null,
    settings: publicSettings(r.settings),
    custom_limits: r.custom_limits ?? null,
    stripe_customer_id: null,
    stripe_subscription_id: null,
    stripe_subscription_status: null,
    stripe_current_period_end: null,
    stripe_cancel_at_period_end: null,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

export function organizationSummaryView(r: any) {
  return { id: r.id, name: r.name, slug: r.slug, plan_tier: r.plan_tier, created_at: iso(r.created_at) };
}

/** ApiKeySummary: never the key or its digest. */
export function apiKeyView(r: any) {
  return {
    id: r.id,
    name: r.name,
    queues: r.queues ?? ["*"],
    rate_limit: r.rate_limit ?? null,
    is_active: r.is_active,
    created_at: iso(r.created_at),
    last_used: iso(r.last_used),
    expires_at: iso(r.expires_at),
  };
}

/** The one response that carries a raw key: right after it was created. */
export function createdApiKeyView(row: any, key: string) {
  return { id: row.id, key, name: row.name, queues: row.queues ?? ["*"], created_at: iso(row.created_at), expires_at: iso(row.expires_at) };
}

/** The answer to creating an organization: the only time its first key is shown. */
export function createdOrganizationView(org: any, apiKey: { id: string; key: string; name: string; created_at: unknown }) {
  return { organization: organizationView(org), api_key: { ...apiKey, created_at: iso(apiKey.created_at as string) } };
}
