import { z } from "zod";
import { optionalJson, queueName, timestamp } from "./validate";
import { MAX_PAYLOAD_BYTES } from "./job-schemas";
import { JOB_STATUSES } from "./job-states";

/** What a bulk operation does to each matched job; each kind accepts only the statuses it can act on. */
export const OPERATION_STATUSES = {
  redrive: { allowed: ["deadletter", "failed", "cancelled"], default: ["deadletter"] },
  cancel: { allowed: ["pending", "scheduled"], default: ["pending", "scheduled"] },
  purge: { allowed: ["completed", "failed", "deadletter", "cancelled"], default: ["deadletter"] },
} as const;
export type OperationKind = keyof typeof OPERATION_STATUSES;

const tag = z.string().min(1, "tags must be 1-255 characters").max(255, "tags must be 1-255 characters");

/** The filter shared by redrive, bulk cancel and bulk purge, plus the run options. docs/api.md "Operations". */
const filterFields = {
  queue_name: queueName().optional(),
  status: z.union([z.enum(JOB_STATUSES), z.array(z.enum(JOB_STATUSES)).min(1, "status must list 1-7 statuses").max(7, "status must list 1-7 statuses")]).optional(),
  created_after: timestamp.optional(),
  created_before: timestamp.optional(),
  error_contains: z.string().min(1, "error_contains must be 1-1000 characters").max(1000, "error_contains must be 1-1000 characters").optional(),
  tags: z.array(tag, { error: "tags must be an array of strings" }).min(1, "tags must list 1-20 tags").max(20, "tags must list 1-20 tags").optional(),
  /** Default true: answer what would match and change nothing. */
  dry_run: z.boolean({ error: "dry_run must be a boolean" }).optional(),
  /** Jobs per second the operation changes; absent = as fast as batches go. */
  rate_per_sec: z.number({ error: "rate_per_sec must be a number" }).min(0.1, "rate_per_sec must be between 0.1 and 100000").max(100_000, "rate_per_sec must be between 0.1 and 100000").optional(),
  sample_size: z.number().int("sample_size must be an integer").min(0, "sample_size must be between 0 and 100").max(100, "sample_size must be between 0 and 100").optional(),
};

export const bulkFilterSchema = z.object(filterFields);

export const redriveSchema = z.object({
  ...filterFields,
  /** JSON merge patch (RFC 7386) applied to each redriven job's payload. */
  payload_patch: optionalJson("payload_patch", MAX_PAYLOAD_BYTES).refine(
    (v) => v === undefined || (v !== null && typeof v === "object" && !Array.isArray(v)),
    "payload_patch must be a JSON object",
  ),
});

export type BulkFilterInput = z.infer<typeof bulkFilterSchema> & { payload_patch?: unknown };

/** The stored filter: what the SQL matches on (timestamps as ISO text so that it survives JSON). */
export interface JobMatch {
  queue_name: string | null;
  statuses: string[];
  created_after: string | null;
  created_before: string | null;
  error_contains: string | null;
  tags: string[] | null;
}
