import { iso } from "./views";

/** An operation as the API shows it: its filter, counts, progress (0..1) and who started it. */
export function operationView(r: any) {
  const matched = Number(r.matched);
  const processed = Number(r.processed);
  const skipped = Number(r.skipped);
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    filter: r.filter,
    payload_patch: r.payload_patch ?? null,
    rate_per_sec: r.rate_per_sec ?? null,
    matched,
    processed,
    skipped,
    progress: r.status === "completed" || matched === 0 ? 1 : Math.min(1, (processed + skipped) / matched),
    created_by: r.created_by,
    error: r.error ?? null,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    finished_at: iso(r.finished_at),
  };
}

export function auditEntryView(r: any) {
  return { id: Number(r.id), actor: r.actor, action: r.action, target: r.target ?? null, detail: r.detail ?? {}, created_at: iso(r.created_at) };
}
