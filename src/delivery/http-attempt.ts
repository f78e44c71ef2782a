import { TargetRefused, type Mode } from "../domain/ssrf";
import { vetTarget, type Resolver } from "./target";
import { DnsFailure, type AttemptOutcome, type ErrorClass, type HttpRequestSpec } from "../domain/http-outcome";

export type { AttemptOutcome, ErrorClass, HttpRequestSpec } from "../domain/http-outcome";

export const BODY_EXCERPT_BYTES = 4096;
const MAX_RETRY_AFTER_SECS = 3600;
const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "x-api-key", "x-webhook-token"]);

/** Request headers as recorded: credentials the caller put in are not stored in the attempt log. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SECRET_HEADERS.has(k.toLowerCase()) ? "[redacted]" : v]));
}

export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  const secs = /^\d+$/.test(trimmed) ? Number(trimmed) : (Date.parse(trimmed) - nowMs) / 1000;
  if (!Number.isFinite(secs)) return null;
  return Math.min(MAX_RETRY_AFTER_SECS, Math.max(0, secs));
}

/** Reads at most `limit` bytes of a body and drops the rest of the stream. */
async function readExcerpt(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, limit));
}

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => (out[name] = value));
  return out;
}

function classify(err: unknown): ErrorClass {
  const e = err as { name?: string; code?: string | number; message?: string };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return "timeout";
  const code = String(e?.code ?? "");
  const text = `${code} ${e?.message ?? ""}`;
  if (/CERT|TLS|SSL|self.signed|certificate/i.test(text)) return "tls";
  if (/ENOTFOUND|EAI_AGAIN|DNS/i.test(text)) return "dns";
  return "connect";
}

/**
 * One HTTP attempt: vet the target (SSRF guard after DNS), send without following redirects, and describe the
 * outcome. Never throws for network trouble; a 2xx is success, anything else is a failure with its class.
 */
export async function attemptHttp(spec: HttpRequestSpec, mode: Mode, resolve?: Resolver, abort?: AbortSignal): Promise<AttemptOutcome> {
  const started = performance.now();
  const base = { method: spec.method, url: spec.url, requestHeaders: redactHeaders(spec.headers) };
  const failed = (errorClass: ErrorClass, error: string, targetAddress: string | null = null): AttemptOutcome => ({
    ...base, ok: false, targetAddress, status: null, responseHeaders: null, bodyExcerpt: null,
    latencyMs: performance.now() - started, errorClass, error, retryAfterSecs: null,
  });

  let target;
  try {
    target = await vetTarget(spec.url, mode, resolve);
  } catch (err) {
    if (err instanceof TargetRefused) return failed("blocked", err.message);
    if (err instanceof DnsFailure) return failed("dns", err.message);
    return failed("dns", String((err as Error)?.message ?? err));
  }

  const headers = { ...spec.headers, ...(target.hostHeader ? { host: target.hostHeader } : {}) };
  try {
    const res = await fetch(target.connectUrl, {
      method: spec.method,
      headers,
      body: spec.body ?? undefined,
      redirect: "manual",
      signal: abort ? AbortSignal.any([AbortSignal.timeout(spec.timeoutMs), abort]) : AbortSignal.timeout(spec.timeoutMs),
      ...(target.serverName ? { tls: { serverName: target.serverName } } : {}),
    });
    const bodyExcerpt = await readExcerpt(res, BODY_EXCERPT_BYTES);
    const ok = res.status >= 200 && res.status < 300;
    const redirect = res.status >= 300 && res.status < 400;
    return {
      ...base,
      ok,
      targetAddress: target.address,
      status: res.status,
      responseHeaders: headerRecord(res.headers),
      bodyExcerpt,
      latencyMs: performance.now() - started,
      errorClass: ok ? null : "http",
      error: ok ? null : redirect ? `HTTP ${res.status} (redirects are not followed)` : `HTTP ${res.status}`,
      retryAfterSecs: res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get("retry-after")) : null,
    };
  } catch (err) {
    const errorClass = classify(err);
    const message = errorClass === "timeout" ? `Timed out after ${spec.timeoutMs} ms` : String((err as Error)?.message ?? err).split(" For more information")[0]!;
    return failed(errorClass, message, target.address);
  }
}

/** Whether a failure says something about the destination's health (for its circuit breaker). */
export function isDestinationFailure(o: AttemptOutcome): boolean {
  if (o.ok) return false;
  if (o.errorClass === "http") return o.status! >= 500 || o.status === 429 || o.status === 408;
  return o.errorClass !== "blocked";
}
