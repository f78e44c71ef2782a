/**
 * The shape of one outgoing HTTP request and of what came of it: written by the delivery machinery, stored by the
 * attempt log, read by the engine's use cases. Plain data, so that neither the store nor the engine needs delivery code.
 */
export type ErrorClass = "dns" | "connect" | "tls" | "timeout" | "http" | "blocked";

export interface HttpRequestSpec {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
}

/** Everything known about one attempt: what was sent, what came back (bounded), how long, and why it failed. */
export interface AttemptOutcome {
  ok: boolean;
  method: string;
  url: string;
  targetAddress: string | null;
  requestHeaders: Record<string, string>;
  status: number | null;
  responseHeaders: Record<string, string> | null;
  bodyExcerpt: string | null;
  latencyMs: number;
  errorClass: ErrorClass | null;
  error: string | null;
  /** Seconds the target asked us to wait (Retry-After on 429/503), capped. */
  retryAfterSecs: number | null;
}

/** A target's name did not resolve: the request was never made. */
export class DnsFailure extends Error {
  constructor(host: string, cause: unknown) {
    super(`DNS lookup of ${host} failed: ${(cause as Error)?.message ?? cause}`);
    this.name = "DnsFailure";
  }
}
