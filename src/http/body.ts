import type { Context } from "hono";
import type { z } from "zod";
import { notFound, validationError } from "../domain/errors";
import { isStorableText, parseInput, parseJsonText } from "../domain/validate";

/**
 * Reads a JSON body. An empty body (even with a JSON content type) is "no body" and reads as {}.
 * Malformed or too deeply nested JSON is a 400 naming the body.
 */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  return parseJsonText(text);
}

export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const body = await readJson(c);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw validationError([{ field: "body", message: "Request body must be a JSON object", code: "invalid_type" }]);
  }
  return parseInput(schema, body);
}

/** A text query parameter; like any invalid filter (contract: silently ignored), one PostgreSQL cannot hold is dropped. */
export function textQuery(c: Context, name: string): string | undefined {
  const raw = c.req.query(name);
  return raw !== undefined && isStorableText(raw) ? raw : undefined;
}

/** A path id; one that could never name a stored row is simply not found. */
export function pathId(c: Context, name = "id"): string {
  const raw = c.req.param(name) ?? "";
  if (!isStorableText(raw)) throw notFound();
  return raw;
}

/** Integer query parameter; anything unparsable is ignored (lists ignore invalid filters). */
export function intQuery(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || !/^-?\d{1,9}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/** An RFC 3339 instant in a query parameter (a range filter): absent is undefined, anything unparsable a 400 naming it. */
export function instantQuery(c: Context, name: string): string | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw.trim() === "") return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(raw.trim()) ? Date.parse(raw.trim()) : NaN;
  if (Number.isNaN(ms)) throw validationError([{ field: name, message: "must be an RFC 3339 date-time", code: "invalid_string" }]);
  return new Date(ms).toISOString();
}
