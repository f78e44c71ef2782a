-- Bulk operations by filter (redrive, cancel, purge): the state of a long-running operation lives here so that
-- any node can continue it after a restart, batch by batch, at its own pace. docs/api.md "Operations".
CREATE TABLE operations (
  id                text PRIMARY KEY,
  organization_id   text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  kind              text NOT NULL CHECK (kind IN ('redrive', 'cancel', 'purge')),
  status            text NOT NULL CHECK (status IN ('running', 'completed', 'cancelled', 'failed')),
  filter            jsonb NOT NULL,
  payload_patch     jsonb,
  rate_per_sec      double precision,
  -- Only jobs last changed at or before this instant are touched: a redriven job that fails again during the
  -- operation, or a job created after it started, is not part of it.
  snapshot_at       timestamptz NOT NULL,
  -- Jobs are visited in id order; the cursor is the last id visited, so a restart resumes after it.
  cursor_id         text NOT NULL DEFAULT '',
  matched           bigint NOT NULL,
  processed         bigint NOT NULL DEFAULT 0,
  -- Matched jobs left alone: a redrive whose payload_patch would make a payload larger than allowed.
  skipped           bigint NOT NULL DEFAULT 0,
  next_run_at       timestamptz NOT NULL DEFAULT now(),
  created_by        text NOT NULL,
  error             text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz
);
CREATE INDEX operations_org ON operations (organization_id, created_at DESC);
CREATE INDEX operations_due ON operations (next_run_at) WHERE status = 'running';

-- Who did what: operator actions that change many jobs at once are recorded here.
CREATE TABLE audit_log (
  id                bigserial PRIMARY KEY,
  organization_id   text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  actor             text NOT NULL,
  action            text NOT NULL,
  target            text,
  detail            jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_org ON audit_log (organization_id, id DESC);
