import type { Context } from "hono";
import { AppError, HTTP_STATUS } from "../domain/errors";
import { classifyFailure } from "../engine/failures";

/** One JSON error envelope for every failure: {code, message, error?, details?}. */
export function errorBody(err: AppError) {
  const body: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.code === "VALIDATION_ERROR") body.error = "Validation failed";
  if (err.details !== undefined) body.details = err.details;
  return { ...body, ...err.extra };
}

export function renderError(err: unknown, c: Context): Response {
  if (err instanceof AppError) {
    const retryAfter = err.extra?.retry_after_secs;
    if (typeof retryAfter === "number") c.header("Retry-After", String(Math.max(1, Math.ceil(retryAfter))));
    return c.json(errorBody(err), HTTP_STATUS[err.code] as any);
  }
  const kind = classifyFailure(err);
  if (kind === "unavailable") {
    c.header("Retry-After", "1");
    return c.json({ code: "SERVICE_UNAVAILABLE", message: "Database unavailable, retry shortly" }, 503);
  }
  if (kind === "rejected_value") {
    // Safety net behind validation: a value the database refuses (SQLSTATE class 22) is the caller's input.
    return c.json({ code: "BAD_REQUEST", message: "A value in the request cannot be stored" }, 400);
  }
  const principal = c.get("principal") as { orgId?: string } | undefined;
  console.error("[http] request failed", { method: c.req.method, path: c.req.path, request_id: c.get("requestId"), org_id: principal?.orgId, error: err });
  return c.json({ code: "INTERNAL_ERROR", message: "Internal server error" }, 500);
}
