import { z } from "zod";
import * as jobs from "../../domain/job-schemas";
import * as accounts from "../../domain/account-schemas";
import { createOrgSchema } from "../../domain/org-schemas";
import { bulkFilterSchema, redriveSchema } from "../../domain/operation-schemas";
import { createScheduleSchema, updateScheduleSchema } from "../../domain/schedule-schemas";
import { createWebhookSchema, customIngestSchema, rotateSecretSchema, updateWebhookSchema } from "../../domain/webhook-schemas";
import { registerWorkerSchema, workerHeartbeatSchema } from "../../domain/worker-schemas";
import { addDependenciesSchema, createWorkflowSchema } from "../../domain/workflow-schemas";
import * as r from "./responses";

/**
 * Every REST route the server answers, with its request and response bodies: the OpenAPI document is generated
 * from this table (src/http/openapi/document.ts) and tests/e2e/openapi.test.ts fails when the router serves a
 * route that is not here, or this table names one the router does not serve. Request bodies are the very zod
 * schemas the routes validate with.
 */

/** A schema with the name it gets under components/schemas. */
export interface Named {
  name: string;
  schema: z.ZodType;
}
const named = (name: string, schema: z.ZodType): Named => ({ name, schema });

/** Who may call: an API key or JWT (Bearer), nobody in particular, the operator's X-Admin-Key, or route-specific. */
export type Auth = "key" | "public" | "admin" | "webhook" | "metrics";
export type Method = "get" | "post" | "put" | "patch" | "delete";

export interface RouteDoc {
  method: Method;
  /** The path as hono spells it (`/api/v1/jobs/:id`). */
  path: string;
  tag: string;
  summary: string;
  auth: Auth;
  query?: Record<string, string>;
  body?: Named;
  /** The success answer: its status, and a body (omitted for 204 / empty answers) with its media type. */
  ok: { status: number; body?: Named; array?: boolean; mediaType?: string; description?: string };
  /** Error statuses beyond the ones every route of its kind can answer (see document.ts). */
  errors?: number[];
}

const body = (name: string, schema: z.ZodType) => named(name, schema);
const ok = (status: number, what?: Named, extra: Partial<RouteDoc["ok"]> = {}) => ({ status, body: what, ...extra });
const list = (what: Named) => ok(200, what, { array: true });

const Job = named("Job", r.job);
const JobSummary = named("JobSummary", r.jobSummary);
const Queue = named("QueueConfig", r.queueConfig);
const Schedule = named("Schedule", r.schedule);
const Worker = named("Worker", r.worker);
const Organization = named("Organization", r.organization);
const CreatedOrganization = named("CreatedOrganization", r.createdOrganization);
const ApiKey = named("ApiKey", r.apiKey);
const CreatedApiKey = named("CreatedApiKey", r.createdApiKey);
const Webhook = named("OutgoingWebhook", r.webhook);
const Delivery = named("WebhookDelivery", r.delivery);
const HttpAttempt = named("HttpAttempt", r.httpAttempt);
const Operation = named("Operation", r.operation);
const OperationStarted = named("OperationStarted", r.operationStarted);
const Workflow = named("Workflow", r.workflow);
const WorkflowDetail = named("WorkflowDetail", r.workflowDetail);
const WebhookToken = named("WebhookToken", r.webhookToken);
const Success = named("Success", r.success);
const open = (name: string, description: string) => named(name, r.openObject(description));
const EmailCheck = open("EmailCheck", "available, exists, signup_enabled");
const WorkflowJob = named("WorkflowJob", r.workflowJob);
const Ingested = open("Ingested", "success and the job id");
const DeliveryRetried = open("DeliveryRetried", "success, message, delivery");

const JOB_FILTERS = {
  queue_name: "only this queue (`queue` is accepted too)",
  status: "only this status",
  tag: "only jobs carrying this tag",
  created_after: "RFC 3339 instant",
  created_before: "RFC 3339 instant",
  search: "text in the id, queue or payload",
  limit: "page size",
  offset: "rows to skip",
};

export const ROUTES: RouteDoc[] = [
  // ---- health, metrics, the document itself -------------------------------------------------------------
  { method: "get", path: "/health", tag: "health", summary: "Health: 200 healthy, 503 when the database does not answer", auth: "public", ok: ok(200, named("Health", r.health)), errors: [503] },
  { method: "get", path: "/health/live", tag: "health", summary: "Liveness: 200 while the process runs", auth: "public", ok: ok(200) },
  { method: "get", path: "/health/ready", tag: "health", summary: "Readiness: 200, or 503 naming the failed dependencies", auth: "public", ok: ok(200, named("Readiness", r.readiness)), errors: [503] },
  { method: "get", path: "/metrics", tag: "health", summary: "Prometheus metrics (Bearer METRICS_TOKEN when set)", auth: "metrics", ok: ok(200, undefined, { mediaType: "text/plain", description: "Prometheus text format 0.0.4" }), errors: [401] },
  { method: "get", path: "/api/v1/openapi.json", tag: "health", summary: "This OpenAPI 3.1 document", auth: "public", ok: ok(200, open("OpenApiDocument", "an OpenAPI 3.1 document")) },

  // ---- organizations and accounts ----------------------------------------------------------------------------
  { method: "post", path: "/api/v1/organizations", tag: "organizations", summary: "Register an organization; the answer holds its first API key, shown once", auth: "public", body: body("CreateOrganizationRequest", createOrgSchema), ok: ok(201, CreatedOrganization), errors: [403, 409] },
  { method: "get", path: "/api/v1/organizations/check-slug", tag: "organizations", summary: "Is a slug free", auth: "public", query: { slug: "the slug to check (required)" }, ok: ok(200, open("SlugCheck", "available, and a suggestion when it is not")), errors: [400] },
  { method: "post", path: "/api/v1/organizations/generate-slug", tag: "organizations", summary: "Suggest a free slug for a name", auth: "public", body: body("GenerateSlugRequest", accounts.generateSlugSchema), ok: ok(200, open("GeneratedSlug", "a free slug")) },
  { method: "get", path: "/api/v1/organizations", tag: "organizations", summary: "The caller's organization, as a list of one", auth: "key", ok: list(named("OrganizationSummary", r.organizationSummary)) },
  { method: "get", path: "/api/v1/organizations/usage", tag: "organizations", summary: "Plan, limits and usage of the caller's organization", auth: "key", ok: ok(200, open("Usage", "plan, limits and current usage")) },
  { method: "get", path: "/api/v1/organizations/webhook-token", tag: "organizations", summary: "The inbound webhook token", auth: "key", ok: ok(200, WebhookToken) },
  { method: "post", path: "/api/v1/organizations/webhook-token/regenerate", tag: "organizations", summary: "Rotate the inbound webhook token", auth: "key", ok: ok(200, WebhookToken) },
  { method: "post", path: "/api/v1/organizations/webhook-token/clear", tag: "organizations", summary: "Remove the inbound webhook token", auth: "key", body: body("ClearWebhookTokenRequest", accounts.clearWebhookTokenSchema), ok: ok(200, WebhookToken) },
  { method: "get", path: "/api/v1/organizations/:id/webhook-token", tag: "organizations", summary: "The inbound webhook token", auth: "key", ok: ok(200, WebhookToken) },
  { method: "post", path: "/api/v1/organizations/:id/webhook-token/regenerate", tag: "organizations", summary: "Rotate the inbound webhook token", auth: "key", ok: ok(200, WebhookToken) },
  { method: "post", path: "/api/v1/organizations/:id/webhook-token/clear", tag: "organizations", summary: "Remove the inbound webhook token", auth: "key", body: body("ClearWebhookTokenRequest", accounts.clearWebhookTokenSchema), ok: ok(200, WebhookToken) },
  { method: "get", path: "/api/v1/organizations/:id", tag: "organizations", summary: "The caller's organization", auth: "key", ok: ok(200, Organization) },
  { method: "put", path: "/api/v1/organizations/:id", tag: "organizations", summary: "Rename or change settings", auth: "key", body: body("UpdateOrganizationRequest", accounts.updateOrgSchema), ok: ok(200, Organization) },
  { method: "delete", path: "/api/v1/organizations/:id", tag: "organizations", summary: "Delete the caller's organization and everything in it", auth: "key", ok: ok(204) },
  { method: "get", path: "/api/v1/organizations/:id/members", tag: "organizations", summary: "Members (always empty: keys, not users)", auth: "key", ok: ok(200, open("Members", "the members list")) },
  { method: "get", path: "/api/v1/api-keys", tag: "api-keys", summary: "API keys (never the key itself)", auth: "key", ok: list(ApiKey) },
  { method: "post", path: "/api/v1/api-keys", tag: "api-keys", summary: "Create an API key; the answer shows it once", auth: "key", body: body("CreateApiKeyRequest", accounts.createApiKeySchema), ok: ok(201, CreatedApiKey) },
  { method: "get", path: "/api/v1/api-keys/:id", tag: "api-keys", summary: "One API key", auth: "key", ok: ok(200, ApiKey) },
  { method: "put", path: "/api/v1/api-keys/:id", tag: "api-keys", summary: "Rename, restrict or deactivate a key", auth: "key", body: body("UpdateApiKeyRequest", accounts.updateApiKeySchema), ok: ok(200, ApiKey) },
  { method: "delete", path: "/api/v1/api-keys/:id", tag: "api-keys", summary: "Revoke a key", auth: "key", ok: ok(204) },
  { method: "post", path: "/api/v1/auth/login", tag: "auth", summary: "Exchange an API key for a JWT pair", auth: "public", body: body("LoginRequest", accounts.loginSchema), ok: ok(200, open("TokenPair", "access_token, refresh_token, token_type, expires_in")), errors: [401] },
  { method: "post", path: "/api/v1/auth/refresh", tag: "auth", summary: "A new access token for a refresh token", auth: "public", body: body("RefreshRequest", accounts.refreshSchema), ok: ok(200, open("RefreshedToken", "access_token, token_type, expires_in")), errors: [401] },
  { method: "post", path: "/api/v1/auth/validate", tag: "auth", summary: "Is a token valid", auth: "public", body: body("ValidateTokenRequest", accounts.validateTokenSchema), ok: ok(200, open("TokenValidity", "valid, and the organization when it is")) },
  { method: "get", path: "/api/v1/auth/me", tag: "auth", summary: "Who the credential belongs to", auth: "key", ok: ok(200, open("Me", "organization and key of the caller")) },
  { method: "post", path: "/api/v1/auth/logout", tag: "auth", summary: "Revoke a refresh token", auth: "key", body: body("LogoutRequest", accounts.logoutSchema), ok: ok(204) },
  { method: "post", path: "/api/v1/auth/email/start", tag: "auth", summary: "Email login: 501, no mail provider", auth: "public", body: body("EmailStartRequest", accounts.emailStartSchema), ok: ok(200), errors: [501] },
  { method: "post", path: "/api/v1/auth/email/verify", tag: "auth", summary: "Email login: 501, no mail provider", auth: "public", ok: ok(200), errors: [501] },
  { method: "get", path: "/api/v1/auth/check-email", tag: "auth", summary: "Is an email in use as a billing email", auth: "public", query: { email: "the address (required)" }, ok: ok(200, EmailCheck), errors: [400] },
  { method: "get", path: "/api/v1/auth/email/check", tag: "auth", summary: "Same as /auth/check-email (the path some SDKs call)", auth: "public", query: { email: "the address (required)" }, ok: ok(200, EmailCheck), errors: [400] },
  { method: "get", path: "/api/v1/billing/status", tag: "billing", summary: "Plan, with empty billing fields (self-hosted)", auth: "key", ok: ok(200, open("BillingStatus", "plan tier and empty Stripe fields")) },
  { method: "post", path: "/api/v1/billing/portal", tag: "billing", summary: "501: billing is not enabled", auth: "key", ok: ok(200), errors: [501] },
  { method: "post", path: "/api/v1/billing/webhook", tag: "billing", summary: "501: billing is not enabled", auth: "public", ok: ok(200), errors: [501] },

  // ---- admin (X-Admin-Key) ---------------------------------------------------------------------------------------
  { method: "get", path: "/api/v1/admin/organizations", tag: "admin", summary: "Every organization", auth: "admin", query: { plan_tier: "only this plan", search: "name or slug contains", limit: "page size", offset: "rows to skip", sort_by: "column", sort_order: "asc or desc" }, ok: ok(200, open("AdminOrganizationList", "organizations, total, limit, offset")) },
  { method: "post", path: "/api/v1/admin/organizations", tag: "admin", summary: "Create an organization on any plan", auth: "admin", body: body("AdminCreateOrganizationRequest", accounts.adminCreateOrgSchema), ok: ok(201, CreatedOrganization), errors: [409] },
  { method: "get", path: "/api/v1/admin/organizations/:id", tag: "admin", summary: "One organization with usage", auth: "admin", ok: ok(200, open("AdminOrganization", "an organization with usage and key counts")) },
  { method: "patch", path: "/api/v1/admin/organizations/:id", tag: "admin", summary: "Change plan, limits or settings", auth: "admin", body: body("AdminPatchOrganizationRequest", accounts.adminPatchOrgSchema), ok: ok(200, Organization) },
  { method: "delete", path: "/api/v1/admin/organizations/:id", tag: "admin", summary: "Delete an organization", auth: "admin", ok: ok(204) },
  { method: "post", path: "/api/v1/admin/organizations/:id/api-keys", tag: "admin", summary: "Create a key for an organization", auth: "admin", body: body("AdminCreateApiKeyRequest", accounts.adminCreateKeySchema), ok: ok(201, CreatedApiKey) },
  { method: "post", path: "/api/v1/admin/organizations/:id/reset-usage", tag: "admin", summary: "Reset the daily counters", auth: "admin", ok: ok(204) },
  { method: "get", path: "/api/v1/admin/stats", tag: "admin", summary: "Server-wide counts", auth: "admin", ok: ok(200, open("AdminStats", "organizations, jobs and plans counted")) },
  { method: "get", path: "/api/v1/admin/plans", tag: "admin", summary: "The plans and their limits", auth: "admin", ok: ok(200, open("Plans", "plan tiers with their limits")) },

  // ---- jobs ---------------------------------------------------------------------------------------------------------
  { method: "post", path: "/api/v1/jobs", tag: "jobs", summary: "Enqueue a job (200 instead of 201 when the idempotency key matched)", auth: "key", body: body("CreateJobRequest", jobs.createJobSchema), ok: ok(201, named("CreatedJob", r.createdJob)), errors: [403] },
  { method: "get", path: "/api/v1/jobs", tag: "jobs", summary: "List jobs, newest first", auth: "key", query: JOB_FILTERS, ok: list(JobSummary) },
  { method: "get", path: "/api/v1/jobs/stats", tag: "jobs", summary: "Counts by status", auth: "key", query: { queue_name: "only this queue" }, ok: ok(200, named("JobStats", r.jobStats)) },
  { method: "get", path: "/api/v1/jobs/status", tag: "jobs", summary: "Status of up to 100 jobs at once", auth: "key", query: { ids: "comma-separated job ids (required)" }, ok: list(named("JobStatus", r.jobStatus_)) },
  { method: "post", path: "/api/v1/jobs/bulk", tag: "jobs", summary: "Enqueue up to 100 jobs", auth: "key", body: body("BulkCreateJobsRequest", jobs.bulkCreateSchema), ok: ok(200, named("BulkCreated", r.bulkCreated)) },
  { method: "post", path: "/api/v1/jobs/claim", tag: "jobs", summary: "Claim jobs for a worker (wait_ms: long poll)", auth: "key", body: body("ClaimRequest", jobs.claimSchema), ok: ok(200, named("ClaimedJobs", r.claimed)) },
  { method: "post", path: "/api/v1/jobs/complete", tag: "jobs", summary: "Complete many leased jobs at once", auth: "key", body: body("CompleteManyRequest", jobs.completeManySchema), ok: ok(200, named("CompletedMany", r.completedMany)) },
  { method: "get", path: "/api/v1/jobs/dlq", tag: "dead letters", summary: "Dead-lettered jobs", auth: "key", query: JOB_FILTERS, ok: list(JobSummary) },
  { method: "post", path: "/api/v1/jobs/dlq/retry", tag: "dead letters", summary: "Move dead letters back to pending", auth: "key", body: body("DlqRetryRequest", jobs.dlqRetrySchema), ok: ok(200, named("DlqRetried", r.dlqRetried)) },
  { method: "post", path: "/api/v1/jobs/dlq/purge", tag: "dead letters", summary: "Delete dead letters (confirm: true)", auth: "key", body: body("DlqPurgeRequest", jobs.dlqPurgeSchema), ok: ok(200, named("DlqPurged", r.dlqPurged)) },
  { method: "get", path: "/api/v1/jobs/:id", tag: "jobs", summary: "One job", auth: "key", ok: ok(200, Job) },
  { method: "delete", path: "/api/v1/jobs/:id", tag: "jobs", summary: "Cancel a job that has not finished", auth: "key", ok: ok(204), errors: [409] },
  { method: "post", path: "/api/v1/jobs/:id/retry", tag: "jobs", summary: "Retry a failed or dead-lettered job now", auth: "key", ok: ok(200, Job), errors: [409] },
  { method: "put", path: "/api/v1/jobs/:id/priority", tag: "jobs", summary: "Change the priority of a waiting job", auth: "key", body: body("PriorityRequest", jobs.prioritySchema), ok: ok(200, open("PriorityChanged", "job_id, old_priority, new_priority")), errors: [409] },
  { method: "get", path: "/api/v1/jobs/:id/history", tag: "jobs", summary: "Every state change of a job, oldest first", auth: "key", query: { limit: "at most 500", offset: "rows to skip" }, ok: list(named("JobEvent", r.jobEvent)) },
  { method: "post", path: "/api/v1/jobs/:id/complete", tag: "jobs", summary: "Complete a leased job", auth: "key", body: body("CompleteRequest", jobs.completeSchema), ok: ok(200, Success), errors: [409] },
  { method: "post", path: "/api/v1/jobs/:id/fail", tag: "jobs", summary: "Fail a leased job (retried with backoff, or dead-lettered)", auth: "key", body: body("FailRequest", jobs.failSchema), ok: ok(200, named("Failed", r.failed)), errors: [409] },
  { method: "post", path: "/api/v1/jobs/:id/heartbeat", tag: "jobs", summary: "Extend a job's lease", auth: "key", body: body("JobHeartbeatRequest", jobs.heartbeatSchema), ok: ok(200, named("JobHeartbeat", r.jobHeartbeat)), errors: [409] },
  { method: "get", path: "/api/v1/jobs/:id/dependencies", tag: "workflows", summary: "What a job waits for and what waits for it", auth: "key", ok: ok(200, open("JobDependencies", "job_id, dependencies, dependents, dependencies_met")) },
  { method: "post", path: "/api/v1/jobs/:id/dependencies", tag: "workflows", summary: "Make a waiting job depend on others", auth: "key", body: body("AddDependenciesRequest", addDependenciesSchema), ok: ok(200, open("DependenciesAdded", "the job's dependencies after the change")), errors: [409] },
  { method: "get", path: "/api/v1/jobs/:id/attempts", tag: "deliveries", summary: "HTTP attempts of a delivery job", auth: "key", ok: list(HttpAttempt) },
  { method: "get", path: "/api/v1/jobs/:id/completion-webhook", tag: "deliveries", summary: "Completion callbacks of a job and their attempts", auth: "key", ok: list(Delivery) },
  { method: "post", path: "/api/v1/jobs/redrive", tag: "operations", summary: "Redrive jobs matching a filter (dry_run to preview)", auth: "key", body: body("RedriveRequest", redriveSchema), ok: ok(200, OperationStarted) },
  { method: "post", path: "/api/v1/jobs/bulk-cancel", tag: "operations", summary: "Cancel jobs matching a filter", auth: "key", body: body("BulkFilterRequest", bulkFilterSchema), ok: ok(200, OperationStarted) },
  { method: "post", path: "/api/v1/jobs/bulk-purge", tag: "operations", summary: "Delete finished jobs matching a filter", auth: "key", body: body("BulkFilterRequest", bulkFilterSchema), ok: ok(200, OperationStarted) },
  { method: "get", path: "/api/v1/operations", tag: "operations", summary: "Bulk operations, newest first", auth: "key", query: { limit: "page size", offset: "rows to skip" }, ok: list(Operation) },
  { method: "get", path: "/api/v1/operations/:id", tag: "operations", summary: "One bulk operation and its progress", auth: "key", ok: ok(200, Operation) },
  { method: "post", path: "/api/v1/operations/:id/cancel", tag: "operations", summary: "Stop a running bulk operation", auth: "key", ok: ok(200, Operation) },
  { method: "get", path: "/api/v1/audit-log", tag: "operations", summary: "Who did what, newest first", auth: "key", query: { limit: "page size", before_id: "entries older than this id" }, ok: list(named("AuditEntry", r.auditEntry)) },

  // ---- queues and workers ------------------------------------------------------------------------------------------
  { method: "get", path: "/api/v1/queues", tag: "queues", summary: "Queues", auth: "key", ok: list(named("QueueSummary", r.queueSummary)) },
  { method: "get", path: "/api/v1/queues/:name", tag: "queues", summary: "One queue's configuration", auth: "key", ok: ok(200, Queue) },
  { method: "put", path: "/api/v1/queues/:name/config", tag: "queues", summary: "Create or change a queue's configuration", auth: "key", body: body("QueueConfigRequest", jobs.queueConfigSchema), ok: ok(200, Queue) },
  { method: "get", path: "/api/v1/queues/:name/stats", tag: "queues", summary: "Counts and timings of one queue", auth: "key", ok: ok(200, named("QueueStats", r.queueStats)) },
  { method: "post", path: "/api/v1/queues/:name/pause", tag: "queues", summary: "Stop handing out this queue's jobs", auth: "key", body: body("PauseQueueRequest", jobs.pauseSchema), ok: ok(200, named("QueuePaused", r.queuePaused)) },
  { method: "post", path: "/api/v1/queues/:name/resume", tag: "queues", summary: "Hand out this queue's jobs again", auth: "key", ok: ok(200, named("QueueResumed", r.queueResumed)) },
  { method: "delete", path: "/api/v1/queues/:name", tag: "queues", summary: "Delete a queue (delete_jobs=true also its jobs)", auth: "key", query: { delete_jobs: "true to delete the queue's jobs too" }, ok: ok(204), errors: [409] },
  { method: "post", path: "/api/v1/workers/register", tag: "workers", summary: "Register a worker", auth: "key", body: body("RegisterWorkerRequest", registerWorkerSchema), ok: ok(201, named("WorkerRegistered", r.workerRegistered)) },
  { method: "get", path: "/api/v1/workers", tag: "workers", summary: "Workers", auth: "key", ok: list(named("WorkerSummary", r.workerSummary)) },
  { method: "get", path: "/api/v1/workers/:id", tag: "workers", summary: "One worker", auth: "key", ok: ok(200, Worker) },
  { method: "post", path: "/api/v1/workers/:id/heartbeat", tag: "workers", summary: "Worker heartbeat", auth: "key", body: body("WorkerHeartbeatRequest", workerHeartbeatSchema), ok: ok(200, named("WorkerHeartbeat", r.workerHeartbeat)) },
  { method: "post", path: "/api/v1/workers/:id/deregister", tag: "workers", summary: "Deregister a worker", auth: "key", ok: ok(204) },
  { method: "delete", path: "/api/v1/workers/:id", tag: "workers", summary: "Deregister a worker (same as POST …/deregister)", auth: "key", ok: ok(204) },

  // ---- schedules and workflows ---------------------------------------------------------------------------------
  { method: "post", path: "/api/v1/schedules", tag: "schedules", summary: "Create a cron schedule", auth: "key", body: body("CreateScheduleRequest", createScheduleSchema), ok: ok(201, Schedule) },
  { method: "get", path: "/api/v1/schedules", tag: "schedules", summary: "Schedules", auth: "key", query: { limit: "page size", offset: "rows to skip" }, ok: list(Schedule) },
  { method: "get", path: "/api/v1/schedules/:id", tag: "schedules", summary: "One schedule", auth: "key", ok: ok(200, Schedule) },
  { method: "put", path: "/api/v1/schedules/:id", tag: "schedules", summary: "Change a schedule", auth: "key", body: body("UpdateScheduleRequest", updateScheduleSchema), ok: ok(200, Schedule) },
  { method: "delete", path: "/api/v1/schedules/:id", tag: "schedules", summary: "Delete a schedule", auth: "key", ok: ok(204) },
  { method: "post", path: "/api/v1/schedules/:id/pause", tag: "schedules", summary: "Pause a schedule", auth: "key", ok: ok(200, Schedule) },
  { method: "post", path: "/api/v1/schedules/:id/resume", tag: "schedules", summary: "Resume a schedule", auth: "key", ok: ok(200, Schedule) },
  { method: "post", path: "/api/v1/schedules/:id/trigger", tag: "schedules", summary: "Enqueue the schedule's job now", auth: "key", ok: ok(200, named("ScheduleTriggered", r.scheduleTriggered)) },
  { method: "get", path: "/api/v1/schedules/:id/history", tag: "schedules", summary: "Runs of a schedule, newest first", auth: "key", query: { limit: "page size" }, ok: list(named("ScheduleRun", r.scheduleRun)) },
  { method: "post", path: "/api/v1/workflows", tag: "workflows", summary: "Create a workflow (a DAG of jobs)", auth: "key", body: body("CreateWorkflowRequest", createWorkflowSchema), ok: ok(200, named("CreatedWorkflow", r.createdWorkflow)) },
  { method: "get", path: "/api/v1/workflows", tag: "workflows", summary: "Workflows", auth: "key", query: { status: "only this status", limit: "page size", offset: "rows to skip" }, ok: list(Workflow) },
  { method: "get", path: "/api/v1/workflows/:id", tag: "workflows", summary: "One workflow with its jobs and edges", auth: "key", ok: ok(200, WorkflowDetail) },
  { method: "post", path: "/api/v1/workflows/:id/cancel", tag: "workflows", summary: "Cancel a workflow's unfinished jobs", auth: "key", ok: ok(200, WorkflowDetail) },
  { method: "post", path: "/api/v1/workflows/:id/retry", tag: "workflows", summary: "Retry a workflow's failed jobs", auth: "key", ok: ok(200, WorkflowDetail) },
  { method: "get", path: "/api/v1/workflows/:id/jobs", tag: "workflows", summary: "A workflow's jobs", auth: "key", ok: list(WorkflowJob) },
  { method: "get", path: "/api/v1/workflows/:id/jobs/status", tag: "workflows", summary: "A workflow's jobs, status only", auth: "key", ok: list(named("WorkflowJobStatus", r.workflowJobStatus)) },
  { method: "get", path: "/api/v1/workflows/:id/jobs/:jobId", tag: "workflows", summary: "One job of a workflow", auth: "key", ok: ok(200, WorkflowJob) },

  // ---- webhooks: outgoing, delivery queues, ingestion ----------------------------------------------------------
  { method: "get", path: "/api/v1/outgoing-webhooks", tag: "outgoing webhooks", summary: "Outgoing webhooks", auth: "key", ok: list(Webhook) },
  { method: "post", path: "/api/v1/outgoing-webhooks", tag: "outgoing webhooks", summary: "Create an outgoing webhook", auth: "key", body: body("CreateWebhookRequest", createWebhookSchema), ok: ok(201, Webhook) },
  { method: "get", path: "/api/v1/outgoing-webhooks/hosts", tag: "outgoing webhooks", summary: "Adaptive delivery state per target host", auth: "key", ok: list(open("HostGate", "a target host's concurrency limit, in-flight count and pause")) },
  { method: "get", path: "/api/v1/outgoing-webhooks/:id", tag: "outgoing webhooks", summary: "One outgoing webhook", auth: "key", ok: ok(200, Webhook) },
  { method: "put", path: "/api/v1/outgoing-webhooks/:id", tag: "outgoing webhooks", summary: "Change an outgoing webhook", auth: "key", body: body("UpdateWebhookRequest", updateWebhookSchema), ok: ok(200, Webhook) },
  { method: "delete", path: "/api/v1/outgoing-webhooks/:id", tag: "outgoing webhooks", summary: "Delete an outgoing webhook", auth: "key", ok: ok(204) },
  { method: "post", path: "/api/v1/outgoing-webhooks/:id/test", tag: "outgoing webhooks", summary: "Send a test event now", auth: "key", ok: ok(200, open("WebhookTestResult", "success, status_code, response_time_ms, error")) },
  { method: "get", path: "/api/v1/outgoing-webhooks/:id/deliveries", tag: "outgoing webhooks", summary: "Deliveries of a webhook", auth: "key", ok: list(Delivery) },
  { method: "get", path: "/api/v1/outgoing-webhooks/:id/deliveries/:deliveryId/attempts", tag: "outgoing webhooks", summary: "HTTP attempts of a delivery", auth: "key", ok: list(HttpAttempt) },
  { method: "post", path: "/api/v1/outgoing-webhooks/:id/retry/:deliveryId", tag: "outgoing webhooks", summary: "Retry a delivery", auth: "key", ok: ok(200, DeliveryRetried) },
  { method: "post", path: "/api/v1/outgoing-webhooks/:id/deliveries/:deliveryId/retry", tag: "outgoing webhooks", summary: "Retry a delivery", auth: "key", ok: ok(200, DeliveryRetried) },
  { method: "get", path: "/api/v1/delivery-queues/:queue/secrets", tag: "deliveries", summary: "Signing secrets of a delivery queue", auth: "key", ok: list(named("SigningSecret", r.signingSecret)) },
  { method: "post", path: "/api/v1/delivery-queues/:queue/secrets", tag: "deliveries", summary: "Rotate the signing secret (the old one overlaps)", auth: "key", body: body("RotateSecretRequest", rotateSecretSchema), ok: ok(201, named("SigningSecret", r.signingSecret)) },
  { method: "delete", path: "/api/v1/delivery-queues/:queue/secrets/:id", tag: "deliveries", summary: "Retire a signing secret", auth: "key", ok: ok(204) },
  { method: "get", path: "/api/v1/delivery-breakers", tag: "deliveries", summary: "Circuit breakers of delivery targets", auth: "key", ok: list(open("DeliveryBreaker", "a target's breaker state")) },
  { method: "post", path: "/api/v1/webhooks/:orgId/custom", tag: "ingestion", summary: "Inbound webhook: enqueue a job (X-Webhook-Token)", auth: "webhook", body: body("CustomIngestRequest", customIngestSchema), ok: ok(200, Ingested) },
  { method: "post", path: "/api/v1/webhooks/:orgId/github", tag: "ingestion", summary: "Inbound GitHub webhook (signature checked)", auth: "webhook", body: open("GithubEvent", "GitHub's event body, verified by X-Hub-Signature-256"), ok: ok(200, Ingested) },
  { method: "post", path: "/api/v1/webhooks/:orgId/stripe", tag: "ingestion", summary: "Inbound Stripe webhook (signature checked)", auth: "webhook", body: open("StripeEvent", "Stripe's event body, verified by Stripe-Signature"), ok: ok(200, Ingested) },

  // ---- dashboard and live events ---------------------------------------------------------------------------------
  { method: "get", path: "/api/v1/dashboard", tag: "dashboard", summary: "Everything the overview page shows", auth: "key", ok: ok(200, open("Dashboard", "system, jobs, queues, workers and recent activity")) },
  { method: "get", path: "/api/v1/dashboard/throughput", tag: "dashboard", summary: "Completed and failed jobs per minute", auth: "key", query: { minutes: "how far back (default 60)" }, ok: ok(200, open("Throughput", "per-minute buckets")) },
  { method: "get", path: "/api/v1/events", tag: "events", summary: "Server-sent events of the organization (resume with Last-Event-ID)", auth: "key", query: { events: "comma-separated event names", last_event_id: "resume after this id" }, ok: ok(200, undefined, { mediaType: "text/event-stream", description: "an SSE stream (docs/realtime.md)" }) },
  { method: "get", path: "/api/v1/events/queues/:name", tag: "events", summary: "Server-sent events of one queue", auth: "key", query: { last_event_id: "resume after this id" }, ok: ok(200, undefined, { mediaType: "text/event-stream", description: "an SSE stream (docs/realtime.md)" }) },
  { method: "get", path: "/api/v1/events/jobs/:id", tag: "events", summary: "Server-sent events of one job", auth: "key", query: { last_event_id: "resume after this id" }, ok: ok(200, undefined, { mediaType: "text/event-stream", description: "an SSE stream (docs/realtime.md)" }) },
  { method: "get", path: "/api/v1/ws", tag: "events", summary: "WebSocket of events (Upgrade: websocket; token query parameter or Bearer)", auth: "key", query: { token: "API key or JWT, for browsers that cannot set headers" }, ok: ok(101, undefined, { description: "Switching Protocols: a WebSocket (docs/realtime.md)" }) },
];

/**
 * Routes the router serves that are not REST and so are not in the document, each with the reason. The route
 * check in tests/e2e/openapi.test.ts accepts these, and fails if one of them is no longer served.
 */
export const NOT_REST: { method: string; pattern: RegExp; why: string }[] = [
  { method: "*", pattern: /^\/spooled\.v1\.(QueueService|WorkerService)\/\*$/, why: "gRPC-web and Connect: described by proto/spooled/v1/*.proto" },
  { method: "get", pattern: /^\/(ui\/?)?$/, why: "the web UI page (and its redirects)" },
  { method: "get", pattern: /^\/ui\/assets\/:name$/, why: "the web UI's bundled assets" },
  { method: "get", pattern: /^\/ui\/api-reference$/, why: "this document rendered as an HTML page" },
];
