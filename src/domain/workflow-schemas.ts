import { z } from "zod";
import { anyJson, intIn, optionalJson, queueName, timestamp } from "./validate";
import { MAX_PAYLOAD_BYTES } from "./job-schemas";

export const MAX_WORKFLOW_JOBS = 100;
const mode = z.enum(["all", "any"], { error: "must be 'all' or 'any'" });

export const workflowJobSchema = z.object({
  key: z
    .string({ error: "key is required" })
    .min(1, "key must be 1-100 characters")
    .max(100, "key must be 1-100 characters")
    .regex(/^[A-Za-z0-9_-]+$/, "key can only contain letters, digits, dashes and underscores"),
  queue_name: queueName(255),
  payload: anyJson("payload", MAX_PAYLOAD_BYTES),
  depends_on: z.array(z.string({ error: "depends_on must list job keys" }), { error: "depends_on must be an array of job keys" }).max(MAX_WORKFLOW_JOBS).optional(),
  dependency_mode: mode.optional(),
  priority: intIn(-100, 100, "priority").optional(),
  max_retries: intIn(0, 100, "max_retries").optional(),
  timeout_seconds: intIn(1, 86400, "timeout_seconds").optional(),
  expires_at: timestamp.nullish(),
});
export type WorkflowJobInput = z.infer<typeof workflowJobSchema>;

export const createWorkflowSchema = z.object({
  name: z
    .string({ error: "name is required" })
    .min(1, "name must be 1-255 characters")
    .max(255, "name must be 1-255 characters")
    .regex(/^[\p{L}\p{N} ._()\-]+$/u, "name can only contain letters, digits, spaces, dashes, underscores, dots and parentheses"),
  description: z.string().max(1000, "description must be at most 1000 characters").nullish(),
  jobs: z
    .array(workflowJobSchema, { error: "jobs must be an array" })
    .min(1, `jobs must contain 1-${MAX_WORKFLOW_JOBS} items`)
    .max(MAX_WORKFLOW_JOBS, `jobs must contain 1-${MAX_WORKFLOW_JOBS} items`),
  metadata: optionalJson("metadata", 65_536),
});
export type CreateWorkflowInput = z.infer<typeof createWorkflowSchema>;

const jobIds = z.array(z.string().min(1).max(255), { error: "must be an array of job ids" }).min(1, "must list 1-100 job ids").max(100, "must list 1-100 job ids");

/** Upstream spells the fields depends_on / dependency_mode, the Node SDK depends_on_job_ids / dependency_type: both work. */
export const addDependenciesSchema = z
  .object({
    depends_on: jobIds.optional(),
    depends_on_job_ids: jobIds.optional(),
    dependency_mode: mode.optional(),
    dependency_type: mode.optional(),
  })
  .refine((b) => b.depends_on !== undefined || b.depends_on_job_ids !== undefined, { message: "depends_on is required", path: ["depends_on"] })
  .transform((b) => ({ dependsOn: b.depends_on ?? b.depends_on_job_ids ?? [], mode: b.dependency_mode ?? b.dependency_type }));
