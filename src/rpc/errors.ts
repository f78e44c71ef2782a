import { Code, ConnectError } from "@connectrpc/connect";
import { AppError, type ErrorCode } from "../domain/errors";
import { classifyFailure } from "../engine/failures";

/** How each engine error reaches a gRPC caller (contract grpc.md section 3). */
const GRPC_CODE: Record<ErrorCode, Code> = {
  VALIDATION_ERROR: Code.InvalidArgument,
  BAD_REQUEST: Code.InvalidArgument,
  PAYLOAD_TOO_LARGE: Code.InvalidArgument,
  UNAUTHORIZED: Code.Unauthenticated,
  ACCESS_DENIED: Code.PermissionDenied,
  NOT_FOUND: Code.NotFound,
  CONFLICT: Code.AlreadyExists,
  LEASE_EXPIRED: Code.FailedPrecondition,
  QUOTA_EXCEEDED: Code.ResourceExhausted,
  RATE_LIMIT_EXCEEDED: Code.ResourceExhausted,
  SERVICE_UNAVAILABLE: Code.Unavailable,
  INTERNAL_ERROR: Code.Internal,
};

/**
 * gRPC clients read only the status message, so a validation error carries the first field's own message
 * (the REST text without the "field: " prefix, whose colon connect-es would percent-encode).
 */
function messageOf(err: AppError): string {
  const first = Array.isArray(err.details) ? err.details[0] : undefined;
  return err.code === "VALIDATION_ERROR" && first?.message ? first.message : err.message;
}

/** Any failure of a handler as a ConnectError; database outages are UNAVAILABLE, the rest stays generic. */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof AppError) return new ConnectError(messageOf(err), GRPC_CODE[err.code]);
  if (classifyFailure(err) === "unavailable") return new ConnectError("Database unavailable, retry shortly", Code.Unavailable);
  console.error("[grpc] handler failed:", err);
  return new ConnectError("Internal server error", Code.Internal);
}

/** Runs a handler body and turns whatever it throws into the matching gRPC status. */
export async function asGrpc<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw toConnectError(err);
  }
}

const CODE_NAMES: Partial<Record<Code, string>> = {
  [Code.InvalidArgument]: "INVALID_ARGUMENT",
  [Code.Unauthenticated]: "UNAUTHENTICATED",
  [Code.PermissionDenied]: "PERMISSION_DENIED",
  [Code.NotFound]: "NOT_FOUND",
  [Code.AlreadyExists]: "ALREADY_EXISTS",
  [Code.FailedPrecondition]: "FAILED_PRECONDITION",
  [Code.ResourceExhausted]: "RESOURCE_EXHAUSTED",
  [Code.Unavailable]: "UNAVAILABLE",
};

/** The in-band error of ProcessJobs: the status name, except the two codes the contract names itself. */
export function inBandError(err: unknown): { code: string; message: string } {
  if (err instanceof AppError && (err.code === "LEASE_EXPIRED" || err.code === "RATE_LIMIT_EXCEEDED")) {
    return { code: err.code, message: err.message };
  }
  const c = toConnectError(err);
  return { code: CODE_NAMES[c.code] ?? "INTERNAL", message: c.rawMessage };
}
