import { z } from "zod";
import { intIn } from "./validate";

/**
 * A queue's `settings.fairness` (docs/api.md "Fair claiming"): present (an object) turns fair claiming on.
 * `key_field` names the payload field whose value is a job's key (absent, or absent in a payload: the
 * organization); `max_concurrency_per_key` caps the jobs of one key processing at once.
 */
export const fairnessSettingsSchema = z
  .object({
    key_field: z.string({ error: "key_field must be a string" }).min(1, "key_field must be 1-100 characters").max(100, "key_field must be 1-100 characters").optional(),
    max_concurrency_per_key: intIn(1, 100_000, "max_concurrency_per_key").optional(),
  })
  .strict();

export type FairnessSettings = z.infer<typeof fairnessSettingsSchema>;
