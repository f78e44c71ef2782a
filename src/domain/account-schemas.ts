import { z } from "zod";
import { intIn, jsonObject, timestamp } from "./validate";
import { slugSchema } from "./org-schemas";
import { PLAN_TIERS } from "./plans";

const SETTINGS_MAX_BYTES = 65_536;
const settings = jsonObject("settings", SETTINGS_MAX_BYTES);
const email = (field: string) => z.string().email(`${field} must be a valid email`).max(255, `${field} must be at most 255 characters`);

export const keyName = z
  .string({ error: "name is required" })
  .trim()
  .min(1, "name must be 1-100 characters")
  .max(100, "name must be 1-100 characters")
  .regex(/^[A-Za-z0-9 _.()\-]+$/, "name may contain only letters, digits, spaces and - _ . ( )");

export const keyQueues = z
  .array(
    z.string({ error: "queue names must be strings" }).min(1, "queue names must be 1-255 characters").max(255, "queue names must be 1-255 characters")
      .regex(/^[A-Za-z0-9_.*\-]+$/, "queue names may contain only letters, digits and - _ . *"),
    { error: "queues must be an array of queue names" },
  )
  .max(50, "queues must contain at most 50 names");

const keyRateLimit = intIn(1, 10_000, "rate_limit");

export const createApiKeySchema = z.object({
  name: keyName,
  queues: keyQueues.optional(),
  rate_limit: keyRateLimit.nullish(),
  expires_at: timestamp.nullish().refine((d) => !d || d.getTime() > Date.now(), "expires_at must be in the future"),
});

export const updateApiKeySchema = z.object({
  name: keyName.optional(),
  queues: keyQueues.optional(),
  rate_limit: keyRateLimit.nullish(),
  is_active: z.boolean({ error: "is_active must be a boolean" }).optional(),
});

export const updateOrgSchema = z.object({
  name: z.string({ error: "name must be a string" }).trim().min(3, "name must be 3-100 characters").max(100, "name must be 3-100 characters").optional(),
  billing_email: email("billing_email").nullish(),
  settings: settings.optional(),
});

export const clearWebhookTokenSchema = z.object({ confirm: z.literal(true, { error: "confirm: true is required to clear the webhook token" }) });

export const generateSlugSchema = z.object({
  name: z.string({ error: "name is required" }).trim().min(1, "name must be 1-200 characters").max(200, "name must be 1-200 characters"),
});

export const loginSchema = z.object({ api_key: z.string({ error: "api_key is required" }).trim().min(10, "api_key must be at least 10 characters").max(500) });
export const refreshSchema = z.object({ refresh_token: z.string({ error: "refresh_token is required" }).trim().min(10, "refresh_token must be at least 10 characters").max(4096) });
export const logoutSchema = z.object({ refresh_token: z.string().max(4096).nullish() });
export const validateTokenSchema = z.object({ token: z.string({ error: "token is required" }).max(4096) });
export const emailStartSchema = z.object({ email: email("email") });

const planTier = z.enum(PLAN_TIERS, { error: `plan_tier must be one of ${PLAN_TIERS.join(", ")}` });

export const adminCreateOrgSchema = z.object({
  name: z.string({ error: "name is required" }).trim().min(3, "name must be 3-100 characters").max(100, "name must be 3-100 characters"),
  slug: slugSchema,
  billing_email: email("billing_email").nullish(),
  plan_tier: planTier.optional(),
});

export const adminPatchOrgSchema = z.object({
  plan_tier: planTier.optional(),
  billing_email: email("billing_email").nullish(),
  settings: settings.optional(),
  custom_limits: z.record(z.string(), z.union([z.number().int().min(-1), z.null(), z.string().max(20)]), { error: "custom_limits must be an object or null" }).nullish(),
  stripe_customer_id: z.string().max(255).nullish(),
  stripe_subscription_id: z.string().max(255).nullish(),
});

export const adminCreateKeySchema = z.object({ name: keyName, queues: keyQueues.optional() });
