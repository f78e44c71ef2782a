import { iso } from "./views";

export function organizationView(r: any) {
  return {
    id: r.id,
    name: r.name,
    slug: r.slug,
    plan_tier: r.plan_tier,
    billing_email: r.billing_email ?? null,
    settings: r.settings ?? {},
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
