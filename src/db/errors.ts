import { DatabaseUnavailableError } from "./types";

const CONNECTION_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN",
  "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT",
]);

/** True for failures that mean "the database is not reachable right now", as opposed to a bad statement. */
export function isConnectionFailure(err: any): boolean {
  if (!err || typeof err !== "object") return false;
  if (err instanceof DatabaseUnavailableError) return true;
  const code = String(err.code ?? "");
  // SQLSTATE class 08 = connection exception; 57P0x = server shutting down / cannot connect now.
  return CONNECTION_CODES.has(code) || code.startsWith("08") || /^57P0[1-3]$/.test(code);
}

export function wrapConnectionFailure(err: unknown): unknown {
  return isConnectionFailure(err) && !(err instanceof DatabaseUnavailableError) ? new DatabaseUnavailableError(err) : err;
}

/** SQLSTATE class 22 (data exception: bad encoding, out-of-range number, malformed value) — input the database refused. */
export function isRejectedValue(err: any): boolean {
  return !!err && typeof err === "object" && /^22[0-9A-Z]{3}$/.test(String(err.code ?? ""));
}
