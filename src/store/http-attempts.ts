import type { Queryable } from "../db/types";
import type { AttemptOutcome } from "../domain/http-outcome";

export type AttemptSubject = "job" | "webhook_delivery";

/** One recorded HTTP attempt, as listed. */
export type AttemptRow = {
  id: number;
  subject_kind: AttemptSubject;
  subject_id: string;
  attempt: number;
  method: string;
  url: string;
  target_address: string | null;
  request_headers: Record<string, string>;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body_excerpt: string | null;
  latency_ms: number;
  error_class: string | null;
  error: string | null;
  outcome: "success" | "failure";
  created_at: Date;
};

export interface AttemptRecord {
  orgId: string;
  kind: AttemptSubject;
  subjectId: string;
  attempt: number;
  outcome: AttemptOutcome;
}

export async function insertAttempt(q: Queryable, orgId: string, kind: AttemptSubject, subjectId: string, attempt: number, o: AttemptOutcome): Promise<void> {
  await insertAttempts(q, [{ orgId, kind, subjectId, attempt, outcome: o }]);
}

/** Many attempts in one statement (a batch of deliveries booked in one transaction), in the given order. */
export async function insertAttempts(q: Queryable, records: AttemptRecord[]): Promise<void> {
  if (records.length === 0) return;
  const column = <T>(pick: (r: AttemptRecord) => T) => records.map(pick);
  await q.query(
    `INSERT INTO http_attempts (organization_id, subject_kind, subject_id, attempt, method, url, target_address, request_headers,
       response_status, response_headers, response_body_excerpt, latency_ms, error_class, error, outcome)
     SELECT organization_id, subject_kind, subject_id, attempt, method, url, target_address, request_headers::jsonb,
            response_status, response_headers::jsonb, response_body_excerpt, latency_ms, error_class, error, outcome
     FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[],
                 $10::text[], $11::text[], $12::float8[], $13::text[], $14::text[], $15::text[])
       AS a(organization_id, subject_kind, subject_id, attempt, method, url, target_address, request_headers, response_status,
            response_headers, response_body_excerpt, latency_ms, error_class, error, outcome)`,
    [
      column((r) => r.orgId), column((r) => r.kind), column((r) => r.subjectId), column((r) => r.attempt),
      column((r) => r.outcome.method), column((r) => r.outcome.url), column((r) => r.outcome.targetAddress),
      column((r) => JSON.stringify(r.outcome.requestHeaders)), column((r) => r.outcome.status),
      column((r) => (r.outcome.responseHeaders ? JSON.stringify(r.outcome.responseHeaders) : null)),
      column((r) => r.outcome.bodyExcerpt), column((r) => r.outcome.latencyMs), column((r) => r.outcome.errorClass),
      column((r) => r.outcome.error), column((r) => (r.outcome.ok ? "success" : "failure")),
    ],
  );
}

export async function listAttempts(q: Queryable, orgId: string, subjectId: string, limit: number): Promise<AttemptRow[]> {
  return q.query<AttemptRow>(
    `SELECT id, subject_kind, subject_id, attempt, method, url, target_address, request_headers, response_status, response_headers,
            response_body_excerpt, latency_ms, error_class, error, outcome, created_at
     FROM http_attempts WHERE organization_id = $1 AND subject_id = $2 ORDER BY id LIMIT $3`,
    [orgId, subjectId, limit],
  );
}
