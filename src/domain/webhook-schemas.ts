import { z } from "zod";
import { anyJson, intIn, optionalJson } from "./validate";
import { MAX_PAYLOAD_BYTES } from "./job-schemas";

const absoluteHttpUrl = z
  .string({ error: "url is required" })
  .min(1, "url must be 1-2048 characters")
  .max(2048, "url must be 1-2048 characters")
  .refine((s) => /^https?:\/\/[^\s]+$/i.test(s) && URL.canParse(s), "url must be an absolute http or https URL");

const events = z.array(z.string({ error: "events must be strings" }), { error: "events must be an array" }).min(1, "events must contain at least one event");

export const createWebhookSchema = z.object({
  name: z.string({ error: "name is required" }).min(1, "name must be 1-255 characters").max(255, "name must be 1-255 characters"),
  url: absoluteHttpUrl,
  events,
  secret: z.string().max(255, "secret must be at most 255 characters").nullish(),
  enabled: z.boolean({ error: "enabled must be a boolean" }).optional(),
});
export type CreateWebhookInput = z.infer<typeof createWebhookSchema>;

/** `secret` is three-state: absent keeps it, null clears it, a string replaces it. */
export const updateWebhookSchema = createWebhookSchema.partial();
export type UpdateWebhookInput = z.infer<typeof updateWebhookSchema>;

const RESERVED_QUEUE_NAMES = new Set(["admin", "system", "internal", "root", "default"]);

export const customIngestSchema = z.object({
  queue_name: z
    .string({ error: "queue_name is required" })
    .min(1, "queue_name must be 1-255 characters")
    .max(255, "queue_name must be 1-255 characters")
    .regex(/^[A-Za-z0-9_.\-]+$/, "queue_name can only contain alphanumeric characters, dashes, underscores, and dots")
    .refine((s) => !s.startsWith(".") && !s.startsWith("-") && !s.includes(".."), "queue_name cannot start with dots or dashes or contain '..'")
    .refine((s) => !RESERVED_QUEUE_NAMES.has(s.toLowerCase()), "queue_name is reserved"),
  event_type: z.string().max(100, "event_type must be at most 100 characters").regex(/^[A-Za-z0-9_.\-]*$/, "event_type can only contain alphanumeric characters, dashes, underscores, and dots").nullish(),
  payload: anyJson("payload", MAX_PAYLOAD_BYTES),
  idempotency_key: z.string().min(1, "idempotency_key must be 1-255 characters").max(255, "idempotency_key must be 1-255 characters").nullish(),
  priority: intIn(-100, 100, "priority").optional(),
});

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers Spindle sets itself on a delivery: a payload may not override them. */
const OWN_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection", "webhook-id", "webhook-timestamp", "webhook-signature"]);

/** The payload of a job in an HTTP delivery queue: the request to make (docs/webhooks.md). */
export const deliveryPayloadSchema = z
  .object({
    url: absoluteHttpUrl,
    method: z
      .string()
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(["POST", "PUT", "PATCH", "DELETE", "GET"], { error: "method must be POST, PUT, PATCH, DELETE or GET" }))
      .default("POST"),
    headers: z
      .record(z.string(), z.string({ error: "header values must be strings" }))
      .default({})
      .superRefine((h, ctx) => {
        for (const name of Object.keys(h)) {
          if (!HEADER_NAME.test(name)) ctx.addIssue({ code: "custom", message: `invalid header name '${name}'` });
          else if (OWN_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: "custom", message: `header '${name}' is set by Spindle` });
        }
      }),
    body: optionalJson("body", MAX_PAYLOAD_BYTES),
    timeout_seconds: z.number({ error: "timeout_seconds must be a number" }).positive("timeout_seconds must be positive").max(120, "timeout_seconds must be at most 120").optional(),
  })
  .refine((p) => p.method !== "GET" || p.body === undefined || p.body === null, { message: "a GET delivery cannot have a body", path: ["body"] });
export type DeliveryPayload = z.infer<typeof deliveryPayloadSchema>;

export const rotateSecretSchema = z.object({
  overlap_seconds: intIn(0, 30 * 86400, "overlap_seconds").optional(),
});
