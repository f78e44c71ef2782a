import { z } from "zod";
import { anyJson, intIn, optionalJson, queueName } from "./validate";
import { MAX_PAYLOAD_BYTES } from "./job-schemas";
import { cronProblem, isValidTimezone } from "./cron";

const cronExpression = z
  .string({ error: "cron_expression is required" })
  .min(9, "cron_expression must be 9-100 characters")
  .max(100, "cron_expression must be 9-100 characters")
  .superRefine((s, ctx) => {
    const problem = cronProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const timezone = z
  .string({ error: "timezone must be a string" })
  .max(64, "timezone must be at most 64 characters")
  .refine(isValidTimezone, "timezone must be an IANA time zone name (e.g. America/New_York) or an offset like +05:30");

const name = z.string({ error: "name is required" }).min(1, "name must be 1-255 characters").max(255, "name must be 1-255 characters");
const description = z.string().max(1000, "description must be at most 1000 characters");
const JSON_FIELD_MAX = 65_536;

/** Spindle's missed-run, overlap and jitter policies (docs/schedules.md). */
const catchUp = z.enum(["skip", "latest", "all"], { error: "catch_up must be one of skip, latest, all" });
const catchUpWindowSecs = intIn(1, 604_800, "catch_up_window_secs");
const overlap = z.enum(["allow", "skip", "cancel_previous"], { error: "overlap must be one of allow, skip, cancel_previous" });
const jitterSecs = intIn(0, 3600, "jitter_secs");

export const createScheduleSchema = z.object({
  name,
  description: description.nullish(),
  cron_expression: cronExpression,
  timezone: timezone.nullish(),
  queue_name: queueName(255),
  payload_template: anyJson("payload_template", MAX_PAYLOAD_BYTES),
  priority: intIn(-100, 100, "priority").nullish(),
  max_retries: intIn(0, 100, "max_retries").nullish(),
  timeout_seconds: intIn(1, 86400, "timeout_seconds").nullish(),
  tags: optionalJson("tags", JSON_FIELD_MAX),
  metadata: optionalJson("metadata", JSON_FIELD_MAX),
  catch_up: catchUp.nullish(),
  catch_up_window_secs: catchUpWindowSecs.nullish(),
  overlap: overlap.nullish(),
  jitter_secs: jitterSecs.nullish(),
});
export type CreateScheduleInput = z.infer<typeof createScheduleSchema>;

/** Absent or null means "keep". */
export const updateScheduleSchema = z.object({
  name: name.nullish(),
  description: description.nullish(),
  cron_expression: cronExpression.nullish(),
  timezone: timezone.nullish(),
  queue_name: queueName(255).nullish(),
  payload_template: optionalJson("payload_template", MAX_PAYLOAD_BYTES),
  priority: intIn(-100, 100, "priority").nullish(),
  max_retries: intIn(0, 100, "max_retries").nullish(),
  timeout_seconds: intIn(1, 86400, "timeout_seconds").nullish(),
  is_active: z.boolean({ error: "is_active must be a boolean" }).nullish(),
  tags: optionalJson("tags", JSON_FIELD_MAX),
  metadata: optionalJson("metadata", JSON_FIELD_MAX),
  catch_up: catchUp.nullish(),
  catch_up_window_secs: catchUpWindowSecs.nullish(),
  overlap: overlap.nullish(),
  jitter_secs: jitterSecs.nullish(),
});
export type UpdateScheduleInput = z.infer<typeof updateScheduleSchema>;
