import { z } from "zod";
import { anyJson, intIn, jsonObject, optionalJson, queueName, timestamp, workerId, leaseId } from "./validate";

export const MAX_PAYLOAD_BYTES = 1_048_576;
const TAGS_MAX_BYTES = 65_536;

export const createJobSchema = z.object({
  queue_name: queueName(),
  payload: anyJson("payload", MAX_PAYLOAD_BYTES),
  priority: intIn(-100, 100, "priority").optional(),
  max_retries: intIn(0, 100, "max_retries").optional(),
  timeout_seconds: intIn(1, 86400, "timeout_seconds").optional(),
  scheduled_at: timestamp.nullish(),
  expires_at: timestamp.nullish(),
  idempotency_key: z.string().min(1, "idempotency_key must be 1-255 characters").max(255, "idempotency_key must be 1-255 characters").nullish(),
  tags: optionalJson("tags", TAGS_MAX_BYTES),
  parent_job_id: z.string().max(255).nullish(),
  completion_webhook: z.string().max(2048).url("completion_webhook must be a URL").nullish(),
  /** Signs the completion callback; stored with the job and never returned. */
  completion_webhook_secret: z.string().min(1, "completion_webhook_secret must be 1-255 characters").max(255, "completion_webhook_secret must be 1-255 characters").nullish(),
});
export type CreateJobInput = z.infer<typeof createJobSchema>;

export const bulkCreateSchema = z.object({
  queue_name: queueName(),
  jobs: z
    .array(
      z.object({
        payload: anyJson("payload", MAX_PAYLOAD_BYTES),
        priority: intIn(-100, 100, "priority").optional(),
        idempotency_key: z.string().min(1).max(255).nullish(),
        scheduled_at: timestamp.nullish(),
      }),
      { error: "jobs must be an array" },
    )
    .min(1, "jobs must contain 1-100 items")
    .max(100, "jobs must contain 1-100 items"),
  default_priority: intIn(-100, 100, "default_priority").optional(),
  default_max_retries: intIn(0, 100, "default_max_retries").optional(),
  default_timeout_seconds: intIn(1, 86400, "default_timeout_seconds").optional(),
});
export type BulkCreateInput = z.infer<typeof bulkCreateSchema>;

export const claimSchema = z.object({
  queue_name: queueName(),
  worker_id: workerId,
  limit: intIn(1, 100, "limit").optional(),
  lease_duration_secs: intIn(5, 3600, "lease_duration_secs").optional(),
  /** Our extension: wait up to this long for work when the queue is empty (long poll). */
  wait_ms: intIn(0, 30_000, "wait_ms").optional(),
});

/** Our extension: POST /jobs/complete reports many finished jobs of one worker at once. */
export const completeManySchema = z.object({
  worker_id: workerId,
  jobs: z
    .array(z.object({ job_id: z.string().min(1).max(255), lease_id: leaseId, result: optionalJson("result", MAX_PAYLOAD_BYTES) }), { error: "jobs must be an array" })
    .min(1, "jobs must contain 1-100 items")
    .max(100, "jobs must contain 1-100 items"),
});

export const completeSchema = z.object({
  worker_id: workerId,
  result: optionalJson("result", MAX_PAYLOAD_BYTES),
  lease_id: leaseId,
});

export const failSchema = z.object({
  worker_id: workerId,
  error: z.string({ error: "error is required" }).min(1, "error must be 1-2048 characters").max(2048, "error must be 1-2048 characters"),
  lease_id: leaseId,
});

export const heartbeatSchema = z.object({
  worker_id: workerId,
  lease_duration_secs: intIn(5, 3600, "lease_duration_secs"),
  lease_id: leaseId,
});

export const prioritySchema = z.object({ priority: intIn(-100, 100, "priority") });

export const dlqRetrySchema = z.object({
  job_ids: z.array(z.string().max(255)).optional(),
  queue_name: queueName().optional(),
  limit: intIn(1, 100, "limit").optional(),
});

export const dlqPurgeSchema = z.object({
  confirm: z.boolean({ error: "confirm is required and must be a boolean" }),
  queue_name: queueName().optional(),
  older_than: timestamp.optional(),
  limit: intIn(1, 10000, "limit").optional(),
});

export const queueConfigSchema = z.object({
  queue_name: z.string().optional(),
  max_retries: intIn(0, 100, "max_retries").optional(),
  default_timeout: intIn(1, 86400, "default_timeout").optional(),
  rate_limit: intIn(1, 100000, "rate_limit").nullish(),
  enabled: z.boolean().optional(),
  settings: jsonObject("settings", 65_536).optional(),
});

export const pauseSchema = z.object({ reason: z.string().max(500, "reason must be at most 500 characters").nullish() });
