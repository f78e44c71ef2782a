import { Hono } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { getOwnOrganization } from "../../engine/orgs";

const NO_BILLING = { code: "NOT_IMPLEMENTED", error: "billing_disabled", message: "Billing is not enabled on this self-hosted server" };

/** A self-hosted server has no payment provider: status reports the plan with empty Stripe fields. */
export function billingRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.get("/status", async (c) => {
    const org = await getOwnOrganization(engine, c.get("principal"));
    return c.json({
      plan_tier: org.plan_tier,
      stripe_subscription_id: null,
      stripe_subscription_status: null,
      stripe_current_period_end: null,
      stripe_cancel_at_period_end: null,
      has_stripe_customer: false,
    });
  });
  app.post("/portal", (c) => c.json(NO_BILLING, 501));
  return app;
}

/** The payment provider's callback: nothing is configured to receive it. */
export function publicBillingRoutes() {
  const app = new Hono<AppEnv>();
  app.post("/webhook", (c) => c.json(NO_BILLING, 501));
  return app;
}
