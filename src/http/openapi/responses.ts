import { z } from "zod";

/**
 * Response bodies as zod schemas, for the OpenAPI document only: the views in src/domain/*-views.ts build these
 * shapes, and tests/e2e/openapi.test.ts parses real answers with the strict ones so the two cannot drift apart.
 * Shapes that are large, vary by feature or are only read by the web UI are documented as open objects.
 */

const instant = z.iso.datetime({ offset: true });
const maybeInstant = instant.nullable();
const json = z.unknown();

export const JOB_STATUSES = ["pending", "scheduled", "processing", "completed", "failed", "deadletter", "cancelled"] as const;
const jobStatus = z.enum(JOB_STATUSES);

export const errorBody = z
  .object({
    code: z.enum([
      "VALIDATION_ERROR", "BAD_REQUEST", "UNAUTHORIZED", "ACCESS_DENIED", "NOT_FOUND", "CONFLICT", "LEASE_EXPIRED",
      "PAYLOAD_TOO_LARGE", "METHOD_NOT_ALLOWED", "QUOTA_EXCEEDED", "RATE_LIMIT_EXCEEDED", "SERVICE_UNAVAILABLE", "INTERNAL_ERROR", "NOT_IMPLEMENTED",
    ]),
    message: z.string(),
    error: z.string().optional().describe('"Validation failed" on VALIDATION_ERROR'),
    details: z
      .array(z.object({ field: z.string(), message: z.string(), code: z.string() }))
      .optional()
      .describe("one entry per offending field on VALIDATION_ERROR"),
  })
  .catchall(z.unknown())
  .describe("Every error: the code names the kind, details name the fields (docs/api.md)");

/** An open object: a body the route table describes in words rather than field by field. */
export const openObject = (description: string) => z.object({}).catchall(z.unknown()).describe(description);

export const job = z.strictObject({
  id: z.string(),
  organization_id: z.string(),
  queue_name: z.string(),
  status: jobStatus,
  payload: json,
  result: json,
  retry_count: z.int(),
  max_retries: z.int(),
  last_error: z.string().nullable(),
  created_at: instant,
  scheduled_at: maybeInstant,
  started_at: maybeInstant,
  completed_at: maybeInstant,
  expires_at: maybeInstant,
  priority: z.int(),
  tags: json,
  timeout_seconds: z.int(),
  parent_job_id: z.string().nullable(),
  completion_webhook: z.string().nullable(),
  assigned_worker_id: z.string().nullable(),
  lease_id: z.string().nullable(),
  lease_expires_at: maybeInstant,
  idempotency_key: z.string().nullable(),
  updated_at: maybeInstant,
  workflow_id: z.string().nullable(),
  dependency_mode: z.string().nullable(),
  dependencies_met: z.boolean().nullable(),
});

export const jobSummary = z.strictObject({
  id: z.string(),
  queue_name: z.string(),
  status: jobStatus,
  priority: z.int(),
  retry_count: z.int(),
  attempt: z.int(),
  max_retries: z.int(),
  job_type: z.string(),
  tags: json,
  created_at: instant,
  scheduled_at: maybeInstant,
  started_at: maybeInstant,
  completed_at: maybeInstant,
});

export const createdJob = z.strictObject({
  id: z.string(),
  created: z.boolean().describe("false when an idempotency key matched an existing job (status 200 instead of 201)"),
});

export const bulkCreated = z.strictObject({
  succeeded: z.array(z.strictObject({ index: z.int(), job_id: z.string(), created: z.boolean() })),
  failed: z.array(z.object({ index: z.int(), error: z.string() }).catchall(z.unknown())),
  total: z.int(),
  success_count: z.int(),
  failure_count: z.int(),
});

export const claimedJob = z.strictObject({
  id: z.string(),
  queue_name: z.string(),
  payload: json,
  retry_count: z.int(),
  max_retries: z.int(),
  timeout_seconds: z.int(),
  lease_expires_at: maybeInstant,
  lease_id: z.string(),
});
export const claimed = z.strictObject({ jobs: z.array(claimedJob) });

export const completedMany = z.strictObject({
  succeeded: z.array(z.string()),
  failed: z.array(z.object({ job_id: z.string(), code: z.string(), error: z.string() })),
});
export const success = z.strictObject({ success: z.literal(true) });
export const failed = z.strictObject({ success: z.literal(true), will_retry: z.boolean(), next_retry_at: maybeInstant });
export const jobHeartbeat = z.strictObject({ success: z.literal(true), lease_expires_at: maybeInstant });
export const jobStats = z.strictObject({ ...Object.fromEntries(JOB_STATUSES.map((s) => [s, z.int()])), total: z.int() });
export const jobStatus_ = z.strictObject({
  id: z.string(),
  status: jobStatus,
  queue_name: z.string(),
  retry_count: z.int(),
  created_at: instant,
  completed_at: maybeInstant,
});
export const jobEvent = z.strictObject({
  id: z.union([z.string(), z.int()]),
  job_id: z.string(),
  queue_name: z.string(),
  event: z.string(),
  status: z.string().nullable(),
  worker_id: z.string().nullable(),
  error: z.string().nullable(),
  detail: json,
  created_at: instant,
});
export const dlqRetried = z.strictObject({ retried_count: z.int(), retried_jobs: z.array(z.string()) });
export const dlqPurged = z.strictObject({ purged_count: z.int() });

export const queueSummary = z.strictObject({
  queue_name: z.string(),
  name: z.string().describe("repeats queue_name"),
  max_retries: z.int(),
  default_timeout: z.int(),
  rate_limit: z.int().nullable(),
  enabled: z.boolean(),
});
export const queueConfig = z.strictObject({
  ...queueSummary.shape,
  id: z.string(),
  organization_id: z.string(),
  settings: z.record(z.string(), json),
  created_at: instant,
  updated_at: maybeInstant,
});
export const queueStats = z.strictObject({
  queue_name: z.string(),
  pending_jobs: z.int(),
  processing_jobs: z.int(),
  completed_jobs_24h: z.int(),
  failed_jobs_24h: z.int(),
  avg_processing_time_ms: z.number().nullable(),
  max_job_age_seconds: z.number().nullable(),
  active_workers: z.int(),
});
export const queuePaused = z.strictObject({ queue_name: z.string(), paused: z.literal(true), paused_at: z.string().nullable(), reason: z.string().nullable() });
export const queueResumed = z.strictObject({ queue_name: z.string(), resumed: z.literal(true), paused_duration_secs: z.number().nullable() });

export const workerRegistered = z.strictObject({ id: z.string(), queue_name: z.string(), lease_duration_secs: z.int(), heartbeat_interval_secs: z.int() });
export const workerSummary = z.strictObject({
  id: z.string(),
  queue_name: z.string(),
  hostname: z.string(),
  status: z.string(),
  current_jobs: z.int(),
  max_concurrency: z.int(),
  last_heartbeat: maybeInstant,
});
export const worker = z.strictObject({
  ...workerSummary.shape,
  organization_id: z.string(),
  queue_names: z.array(z.string()),
  worker_type: z.string().nullable(),
  metadata: json,
  version: z.string().nullable(),
  registered_at: instant,
  updated_at: maybeInstant,
});
export const workerHeartbeat = z.strictObject({ success: z.literal(true), status: z.string(), should_drain: z.boolean() });

export const schedule = z.strictObject({
  id: z.string(),
  organization_id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  cron_expression: z.string(),
  timezone: z.string(),
  queue_name: z.string(),
  payload_template: json,
  priority: z.int(),
  max_retries: z.int(),
  timeout_seconds: z.int(),
  is_active: z.boolean(),
  last_run_at: maybeInstant,
  next_run_at: maybeInstant,
  run_count: z.int(),
  tags: json,
  metadata: json,
  created_at: instant,
  updated_at: maybeInstant,
  catch_up: z.string(),
  catch_up_window_secs: z.int().nullable(),
  overlap: z.string(),
  jitter_secs: z.int(),
});
export const scheduleRun = z.strictObject({
  id: z.string(),
  schedule_id: z.string(),
  job_id: z.string().nullable(),
  status: z.string(),
  error_message: z.string().nullable(),
  started_at: maybeInstant,
  completed_at: maybeInstant,
  scheduled_for: maybeInstant,
  trigger: z.enum(["cron", "manual"]),
});
export const scheduleTriggered = z.strictObject({ job_id: z.string(), triggered_at: instant, scheduled_at: instant.describe("the same instant as triggered_at") });

export const organization = z.strictObject({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  plan_tier: z.string(),
  billing_email: z.string().nullable(),
  settings: json,
  custom_limits: json,
  stripe_customer_id: z.null(),
  stripe_subscription_id: z.null(),
  stripe_subscription_status: z.null(),
  stripe_current_period_end: z.null(),
  stripe_cancel_at_period_end: z.null(),
  created_at: instant,
  updated_at: maybeInstant,
});
export const organizationSummary = z.strictObject({ id: z.string(), name: z.string(), slug: z.string(), plan_tier: z.string(), created_at: instant });
export const createdOrganization = z.strictObject({
  organization,
  api_key: z.strictObject({ id: z.string(), key: z.string().describe("shown only here"), name: z.string(), created_at: instant }),
});
export const apiKey = z.strictObject({
  id: z.string(),
  name: z.string(),
  queues: z.array(z.string()),
  rate_limit: z.int().nullable(),
  is_active: z.boolean(),
  created_at: instant,
  last_used: maybeInstant,
  expires_at: maybeInstant,
});
export const createdApiKey = z.strictObject({
  id: z.string(),
  key: z.string().describe("shown only here"),
  name: z.string(),
  queues: z.array(z.string()),
  created_at: instant,
  expires_at: maybeInstant,
});
export const webhookToken = z.strictObject({ webhook_token: z.string().nullable(), token: z.string().nullable(), webhook_url: z.string() });

export const operation = z.strictObject({
  id: z.string(),
  kind: z.string(),
  status: z.string(),
  filter: json,
  payload_patch: json,
  rate_per_sec: z.number().nullable(),
  matched: z.number(),
  processed: z.number(),
  skipped: z.number(),
  progress: z.number().min(0).max(1),
  created_by: z.string(),
  error: z.string().nullable(),
  created_at: instant,
  updated_at: maybeInstant,
  finished_at: maybeInstant,
});
export const operationStarted = z
  .union([
    z.strictObject({ dry_run: z.literal(true), matched: z.int(), sample: z.array(job) }),
    z
      .object({ dry_run: z.literal(false), operation_id: z.string(), matched: z.int(), status: z.string() })
      .catchall(z.int())
      .describe("plus the count done so far under the action's name: redriven, cancelled or purged"),
  ])
  .describe("dry_run (the default) answers what would match and changes nothing");
export const auditEntry = z.strictObject({ id: z.int(), actor: z.string(), action: z.string(), target: z.string().nullable(), detail: json, created_at: instant });

export const health = z.strictObject({ status: z.enum(["healthy", "degraded"]), database: z.boolean(), cache: z.boolean() });
export const readiness = z.strictObject({
  status: z.enum(["healthy", "unhealthy"]),
  database: z.boolean(),
  cache: z.boolean(),
  failed: z.array(z.string()).optional(),
});

export const webhook = z.strictObject({
  id: z.string(),
  organization_id: z.string(),
  name: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  failure_count: z.int(),
  last_triggered_at: maybeInstant,
  last_status: z.string().nullable(),
  created_at: instant,
  updated_at: maybeInstant,
});
export const delivery = z.strictObject({
  id: z.string(),
  webhook_id: z.string(),
  event: z.string(),
  payload: json,
  status: z.string(),
  status_code: z.int().nullable(),
  response_body: z.string().nullable(),
  error: z.string().nullable(),
  attempts: z.int(),
  created_at: instant,
  delivered_at: maybeInstant,
  next_attempt_at: maybeInstant,
});
const headers = z.record(z.string(), z.unknown());
export const httpAttempt = z.strictObject({
  attempt: z.int(),
  started_at: instant,
  outcome: z.string(),
  request: z.strictObject({ method: z.string(), url: z.string(), headers, target_address: z.string().nullable() }),
  response: z.strictObject({ status: z.int(), headers, body_excerpt: z.string().nullable() }).nullable(),
  latency_ms: z.number(),
  error_class: z.string().nullable(),
  error: z.string().nullable(),
});
export const signingSecret = z.strictObject({ id: z.string(), queue_name: z.string(), secret: z.string(), created_at: instant, expires_at: maybeInstant, active: z.boolean() });

export const workflow = z.strictObject({
  id: z.string(),
  organization_id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  status: z.string(),
  total_jobs: z.int(),
  completed_jobs: z.int(),
  failed_jobs: z.int(),
  progress_percent: z.number(),
  created_at: instant,
  started_at: maybeInstant,
  completed_at: maybeInstant,
  metadata: json,
});
export const workflowJob = z.strictObject({
  ...job.shape,
  key: z.string().nullable(),
  depends_on: z.array(z.string()),
  attempt: z.int(),
  error: z.string().nullable(),
});
export const workflowJobStatus = z.strictObject({ job_id: z.string(), key: z.string().nullable(), status: jobStatus, progress: z.number() });
export const workflowDetail = z.strictObject({
  ...workflow.shape,
  jobs: z.array(workflowJob),
  dependencies: z.array(z.strictObject({ parent_job_id: z.string(), child_job_id: z.string(), dependency_type: z.string() })),
  progress: z.strictObject({ total: z.int(), completed: z.int(), failed: z.int(), pending: z.int(), processing: z.int(), cancelled: z.int() }),
});
export const createdWorkflow = z.strictObject({
  workflow_id: z.string(),
  job_ids: z.array(z.strictObject({ key: z.string(), job_id: z.string() })),
  status: z.string(),
});
