import type { Context } from "hono";
import type { z } from "zod";
import { validationError } from "../domain/errors";
import { parseInput } from "../domain/validate";

/**
 * Reads a JSON body. An empty body (even with a JSON content type) is "no body" and reads as {}.
 * Malformed JSON is a 400 naming the body.
 */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw validationError([{ field: "body", message: "Request body is not valid JSON", code: "invalid_json" }]);
  }
}

export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const body = await readJson(c);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw validationError([{ field: "body", message: "Request body must be a JSON object", code: "invalid_type" }]);
  }
  return parseInput(schema, body);
}

/** Integer query parameter; anything unparsable is ignored (lists ignore invalid filters). */
export function intQuery(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || !/^-?\d{1,9}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}
