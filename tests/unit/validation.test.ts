import { describe, test, expect } from "bun:test";
import { parseInput, findUnstorableText, isValidQueueName } from "../../src/domain/validate";
import * as s from "../../src/domain/job-schemas";
import { createOrgSchema } from "../../src/domain/org-schemas";
import { AppError } from "../../src/domain/errors";
import { generateApiKey, hashApiKey, looksLikeApiKey, safeEqual } from "../../src/domain/credentials";

/** The field issues a rejected input produces ([] when accepted). */
function issues(schema: Parameters<typeof parseInput>[0], input: unknown): { field: string; message: string }[] {
  try {
    parseInput(schema, input);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("VALIDATION_ERROR");
    return (err as AppError).details as any;
  }
}
const fields = (schema: Parameters<typeof parseInput>[0], input: unknown) => issues(schema, input).map((i) => i.field);

describe("queue names", () => {
  test("1-100 letters, digits (any script), dash, underscore, dot; not starting with a dot or dash", () => {
    for (const ok of ["a", "emails", "e-mail_v2.high", "очередь", "队列", "x".repeat(100), "9lives"]) expect(isValidQueueName(ok)).toBe(true);
    for (const bad of ["", "x".repeat(101), ".hidden", "-dash", "with space", "slash/es", "emoji💥", "nul\u0000"]) expect(isValidQueueName(bad)).toBe(false);
  });

  test("the contract's messages", () => {
    expect(issues(s.createJobSchema, { queue_name: "", payload: 1 })[0]).toMatchObject({ field: "queue_name", message: "Queue name must be 1-100 characters" });
    expect(issues(s.createJobSchema, { queue_name: "a b", payload: 1 })[0].message).toBe("Queue name can only contain alphanumeric characters, dashes, underscores, and dots");
    expect(issues(s.createJobSchema, { queue_name: ".a", payload: 1 })[0].message).toBe("Queue name cannot start with dots or dashes");
  });
});

describe("create job", () => {
  const base = { queue_name: "q", payload: { a: 1 } };

  test("accepts the minimal and the full body", () => {
    expect(fields(s.createJobSchema, base)).toEqual([]);
    expect(fields(s.createJobSchema, { ...base, priority: -100, max_retries: 100, timeout_seconds: 86400, scheduled_at: "2030-01-01T10:00:00+02:00", expires_at: null, idempotency_key: "k".repeat(255), tags: { a: 1 }, completion_webhook: "https://example.com/x" })).toEqual([]);
  });

  test("payload is required (null is a value) and bounded", () => {
    expect(fields(s.createJobSchema, { queue_name: "q" })).toEqual(["payload"]);
    expect(fields(s.createJobSchema, { queue_name: "q", payload: null })).toEqual([]);
    expect(fields(s.createJobSchema, { queue_name: "q", payload: "x".repeat(s.MAX_PAYLOAD_BYTES) })).toEqual(["payload"]);
  });

  test("numbers must be integers within their ranges", () => {
    for (const [field, min, max] of [["priority", -100, 100], ["max_retries", 0, 100], ["timeout_seconds", 1, 86400]] as const) {
      expect(fields(s.createJobSchema, { ...base, [field]: min })).toEqual([]);
      expect(fields(s.createJobSchema, { ...base, [field]: max })).toEqual([]);
      for (const bad of [min - 1, max + 1, 1.5, "5", null, true]) expect(fields(s.createJobSchema, { ...base, [field]: bad })).toEqual([field]);
    }
  });

  test("timestamps are RFC 3339 with an offset", () => {
    for (const ok of ["2030-01-01T00:00:00Z", "2030-01-01T00:00:00.123456Z", "2030-01-01 00:00:00+05:30", "2030-01-01T00:00Z"]) expect(fields(s.createJobSchema, { ...base, scheduled_at: ok })).toEqual([]);
    for (const bad of ["2030-01-01", "2030-01-01T00:00:00", "tomorrow", "2030-13-01T00:00:00Z", 1700000000]) expect(fields(s.createJobSchema, { ...base, scheduled_at: bad })).toEqual(["scheduled_at"]);
  });

  test("idempotency keys are 1-255 characters; webhooks are URLs", () => {
    expect(fields(s.createJobSchema, { ...base, idempotency_key: "" })).toEqual(["idempotency_key"]);
    expect(fields(s.createJobSchema, { ...base, idempotency_key: "k".repeat(256) })).toEqual(["idempotency_key"]);
    expect(fields(s.createJobSchema, { ...base, completion_webhook: "not a url" })).toEqual(["completion_webhook"]);
  });

  test("every offending field is named at once", () => {
    expect(fields(s.createJobSchema, { queue_name: 5, priority: 500 }).sort()).toEqual(["payload", "priority", "queue_name"]);
  });
});

describe("bulk, claim, complete, fail, heartbeat, DLQ and queue config", () => {
  test("bulk holds 1-100 jobs and names the item's field", () => {
    expect(fields(s.bulkCreateSchema, { queue_name: "q", jobs: [] })).toEqual(["jobs"]);
    expect(fields(s.bulkCreateSchema, { queue_name: "q", jobs: Array.from({ length: 101 }, () => ({ payload: 1 })) })).toEqual(["jobs"]);
    expect(fields(s.bulkCreateSchema, { queue_name: "q", jobs: [{ payload: 1 }, { payload: 1, priority: 101 }] })).toEqual(["jobs.1.priority"]);
    expect(fields(s.bulkCreateSchema, { queue_name: "q", jobs: {} })).toEqual(["jobs"]);
  });

  test("claim: worker_id required, limit 1-100, lease 5-3600 s", () => {
    expect(fields(s.claimSchema, { queue_name: "q" })).toEqual(["worker_id"]);
    expect(fields(s.claimSchema, { queue_name: "q", worker_id: "w", limit: 100, lease_duration_secs: 5 })).toEqual([]);
    expect(fields(s.claimSchema, { queue_name: "q", worker_id: "w", limit: 0 })).toEqual(["limit"]);
    expect(fields(s.claimSchema, { queue_name: "q", worker_id: "w", lease_duration_secs: 3601 })).toEqual(["lease_duration_secs"]);
    expect(fields(s.claimSchema, { queue_name: "q", worker_id: "" })).toEqual(["worker_id"]);
  });

  test("fail needs an error of 1-2048 characters; heartbeat needs a lease duration", () => {
    expect(fields(s.failSchema, { worker_id: "w" })).toEqual(["error"]);
    expect(fields(s.failSchema, { worker_id: "w", error: "e".repeat(2049) })).toEqual(["error"]);
    expect(fields(s.heartbeatSchema, { worker_id: "w" })).toEqual(["lease_duration_secs"]);
    expect(fields(s.completeSchema, { worker_id: "w", result: { anything: [1] } })).toEqual([]);
  });

  test("DLQ purge needs a boolean confirm; queue config ranges", () => {
    expect(fields(s.dlqPurgeSchema, {})).toEqual(["confirm"]);
    expect(fields(s.dlqPurgeSchema, { confirm: "yes" })).toEqual(["confirm"]);
    expect(fields(s.dlqPurgeSchema, { confirm: false })).toEqual([]);
    expect(fields(s.queueConfigSchema, { max_retries: 101, default_timeout: 0, rate_limit: 0 }).sort()).toEqual(["default_timeout", "max_retries", "rate_limit"]);
    expect(fields(s.pauseSchema, { reason: "r".repeat(501) })).toEqual(["reason"]);
    expect(fields(s.pauseSchema, {})).toEqual([]);
  });
});

describe("organizations and credentials", () => {
  test("name 3-100, slug pattern and reserved words, email", () => {
    expect(fields(createOrgSchema, { name: "Acme", slug: "acme-co" })).toEqual([]);
    expect(fields(createOrgSchema, { name: "Ac", slug: "acme" })).toEqual(["name"]);
    for (const bad of ["ab", "Acme", "1acme", "acme-", "ac--me", "admin", "x".repeat(51)]) expect(fields(createOrgSchema, { name: "Acme", slug: bad })).toEqual(["slug"]);
    expect(fields(createOrgSchema, { name: "Acme", slug: "acme", billing_email: "nope" })).toEqual(["billing_email"]);
  });

  test("API keys carry 256 random bits, are recognisable, and hash stably", () => {
    const key = generateApiKey("development");
    expect(key).toMatch(/^sk_test_[A-Za-z0-9_-]{43}$/);
    expect(generateApiKey("production")).toMatch(/^sk_live_/);
    expect(looksLikeApiKey(key)).toBe(true);
    expect(looksLikeApiKey("Bearer nonsense")).toBe(false);
    expect(hashApiKey(key)).toBe(hashApiKey(` ${key} `));
    expect(hashApiKey(key)).not.toBe(hashApiKey(generateApiKey("development")));
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
  });
});

describe("text PostgreSQL cannot store", () => {
  test("names the path of the first NUL or unpaired surrogate, in values and keys, at any depth", () => {
    expect(findUnstorableText({ a: "fine", b: ["ok", { c: "ünï 💥" }] })).toBeUndefined();
    expect(findUnstorableText({ a: "x\u0000" })).toBe("a");
    expect(findUnstorableText({ a: [1, { b: "\uD800" }] })).toBe("a.1.b");
    expect(findUnstorableText({ "bad\u0000key": 1 })).toBe("bad\\u0000key");
    expect(findUnstorableText("\uDC00")).toBe("body");
    let deep: unknown = "\u0000";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorableText(deep)?.split(".")).toHaveLength(100_000);
  });
});
