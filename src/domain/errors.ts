/** Errors the engine raises; every transport maps them to its own status (HTTP status, gRPC code). */
export type ErrorCode =
  | "VALIDATION_ERROR" | "BAD_REQUEST" | "UNAUTHORIZED" | "ACCESS_DENIED" | "NOT_FOUND" | "CONFLICT"
  | "LEASE_EXPIRED" | "PAYLOAD_TOO_LARGE" | "QUOTA_EXCEEDED" | "RATE_LIMIT_EXCEEDED" | "SERVICE_UNAVAILABLE"
  | "INTERNAL_ERROR";

export interface FieldIssue {
  field: string;
  message: string;
  code: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const notFound = (message = "Resource not found") => new AppError("NOT_FOUND", message);
export const conflict = (message: string) => new AppError("CONFLICT", message);
export const badRequest = (message: string) => new AppError("BAD_REQUEST", message);
export const forbidden = (message: string) => new AppError("ACCESS_DENIED", message);
export const unauthorized = (message: string) => new AppError("UNAUTHORIZED", message);

export function validationError(issues: FieldIssue[]): AppError {
  return new AppError("VALIDATION_ERROR", issues[0] ? `${issues[0].field}: ${issues[0].message}` : "Validation failed", issues);
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION_ERROR: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  ACCESS_DENIED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LEASE_EXPIRED: 409,
  PAYLOAD_TOO_LARGE: 413,
  QUOTA_EXCEEDED: 429,
  RATE_LIMIT_EXCEEDED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};
