import { z } from "zod";
import { validationError, type FieldIssue } from "./errors";
import { measureJson, tooDeepMessage } from "./json-limits";

/** Parses input with a zod schema; on failure throws a VALIDATION_ERROR naming every offending field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw validationError(toFieldIssues(result.error));
}

export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join(".") : "body",
    message: issue.message,
    code: issue.code === "too_big" || issue.code === "too_small" ? "length" : issue.code,
  }));
}

// ---- reusable field rules -------------------------------------------------------------------------------

const QUEUE_CHARS = /^[\p{L}\p{N}_.\-]+$/u;

export const queueName = (max = 100) =>
  z
    .string({ error: "Queue name must be a string" })
    .min(1, `Queue name must be 1-${max} characters`)
    .max(max, `Queue name must be 1-${max} characters`)
    .regex(QUEUE_CHARS, "Queue name can only contain alphanumeric characters, dashes, underscores, and dots")
    .refine((s) => !s.startsWith(".") && !s.startsWith("-"), "Queue name cannot start with dots or dashes");

export const isValidQueueName = (name: string, max = 100) => queueName(max).safeParse(name).success;

export const intIn = (min: number, max: number, what: string) =>
  z.number({ error: `${what} must be an integer` }).int(`${what} must be an integer`).min(min, `${what} must be between ${min} and ${max}`).max(max, `${what} must be between ${min} and ${max}`);

/** RFC 3339 timestamp with any offset, parsed to a Date. */
export const timestamp = z
  .string({ error: "must be an RFC 3339 timestamp" })
  .refine((s) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)), "must be an RFC 3339 timestamp")
  .transform((s) => new Date(s));

/**
 * Parses JSON text from a client (iteratively, see src/domain/json-limits.ts). Malformed text, or text PostgreSQL
 * could not store (NUL, lone surrogates), is a VALIDATION_ERROR naming the field; the schemas check depth and size.
 */
export function parseJsonText(text: string, field = "body"): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw validationError([{ field, message: "Request body is not valid JSON", code: "invalid_json" }]);
  }
  const unstorable = findUnstorableText(value);
  if (unstorable) {
    throw validationError([{ field: unstorable, message: "must not contain NUL characters or unpaired surrogates", code: "invalid_string" }]);
  }
  return value;
}

/** Throws a VALIDATION_ERROR naming the field when a JSON value is nested too deep or too big to store. */
export function assertStorableJson(field: string, value: unknown, maxBytes: number): void {
  const problem = jsonLimitProblem(field, value, maxBytes);
  if (problem) throw validationError([{ field, message: problem, code: "invalid_json" }]);
}

/** Why a JSON value may not be stored (nested too deep, too big), or undefined; iterative (src/domain/json-limits.ts). */
export function jsonLimitProblem(what: string, value: unknown, maxBytes: number): string | undefined {
  const m = measureJson(value, maxBytes);
  if (m.tooDeep) return tooDeepMessage(what);
  if (m.tooBig) return `${what} must be at most ${maxBytes} bytes`;
  return undefined;
}

export const anyJson = (what: string, maxBytes: number) =>
  z.unknown().superRefine((v, ctx) => {
    const problem = v === undefined ? `${what} is required` : jsonLimitProblem(what, v, maxBytes);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const optionalJson = (what: string, maxBytes: number) =>
  z.unknown().optional().superRefine((v, ctx) => {
    const problem = v === undefined || v === null ? undefined : jsonLimitProblem(what, v, maxBytes);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** A JSON object field (settings, metadata) within the depth limit and maxBytes. */
export const jsonObject = (what: string, maxBytes: number) =>
  z.record(z.string(), z.unknown(), { error: `${what} must be an object` }).superRefine((v, ctx) => {
    const problem = jsonLimitProblem(what, v, maxBytes);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const workerId = z.string({ error: "worker_id is required" }).min(1, "worker_id must be 1-255 characters").max(255, "worker_id must be 1-255 characters");
export const leaseId = z.string().min(1).max(255).nullish();

/** PostgreSQL text and jsonb cannot hold NUL, and UTF-8 cannot hold an unpaired surrogate. */
export const isStorableText = (s: string) => !s.includes("\u0000") && s.isWellFormed();

/**
 * The path ("payload.items.3.name", "body" for the value itself) of the first string or object key in a JSON value
 * that PostgreSQL could not store, or undefined. Iterative, so arbitrarily deep input cannot overflow the stack.
 */
export function findUnstorableText(value: unknown): string | undefined {
  // Paths are parent-linked and only spelled out on a hit, so deep input stays linear.
  type Step = { key: string; parent: Step | undefined } | undefined;
  const spell = (step: Step, last?: string) => {
    const parts = last === undefined ? [] : [last];
    for (let s = step; s; s = s.parent) parts.push(s.key);
    return parts.reverse().join(".") || "body";
  };
  const stack: [unknown, Step][] = [[value, undefined]];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (typeof v === "string") {
      if (!isStorableText(v)) return spell(at);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], { key: String(i), parent: at }]);
    } else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        if (!isStorableText(k)) return spell(at, k.replace(/\u0000/g, "\\u0000"));
        stack.push([child, { key: k, parent: at }]);
      }
    }
  }
  return undefined;
}
