import type { Queryable } from "../db/types";
import type { AttemptOutcome } from "../delivery/http-attempt";

export type AttemptSubject = "job" | "webhook_delivery";

export async function insertAttempt(q: Queryable, orgId: string, kind: AttemptSubject, subjectId: string, attempt: number, o: AttemptOutcome): Promise<void> {
  await q.query(
    `INSERT INTO http_attempts (organization_id, subject_kind, subject_id, attempt, method, url, target_address, request_headers,
       response_status, response_headers, response_body_excerpt, latency_ms, error_class, error, outcome)
     VALUES ($1, $2, $3, $4::int, $5, $6, $7, $8::text::jsonb, $9::int, $10::text::jsonb, $11, $12::float8, $13, $14, $15)`,
    [
      orgId, kind, subjectId, attempt, o.method, o.url, o.targetAddress, JSON.stringify(o.requestHeaders), o.status,
      o.responseHeaders ? JSON.stringify(o.responseHeaders) : null, o.bodyExcerpt, o.latencyMs, o.errorClass, o.error,
      o.ok ? "success" : "failure",
    ],
  );
}

export async function listAttempts(q: Queryable, orgId: string, subjectId: string, limit: number): Promise<any[]> {
  return q.query(
    `SELECT id, subject_kind, subject_id, attempt, method, url, target_address, request_headers, response_status, response_headers,
            response_body_excerpt, latency_ms, error_class, error, outcome, created_at
     FROM http_attempts WHERE organization_id = $1 AND subject_id = $2 ORDER BY id LIMIT $3`,
    [orgId, subjectId, limit],
  );
}
