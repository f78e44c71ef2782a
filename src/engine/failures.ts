import { isConnectionFailure, isRejectedValue } from "../db/errors";

/**
 * What an unexpected failure means for the caller, so that transports answer it without knowing the database:
 * `unavailable` (the database cannot be reached: retry shortly), `rejected_value` (the database refused a value of
 * the request), or `unknown` (a bug: log it).
 */
export type FailureKind = "unavailable" | "rejected_value" | "unknown";

export function classifyFailure(err: unknown): FailureKind {
  if (isConnectionFailure(err)) return "unavailable";
  if (isRejectedValue(err)) return "rejected_value";
  return "unknown";
}
