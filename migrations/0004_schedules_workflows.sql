-- Cron schedules with their run history, workflows, and job dependency edges.

CREATE TABLE schedules (
  id                text PRIMARY KEY,
  organization_id   text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name              text NOT NULL,
  description       text,
  -- Kept exactly as submitted; clients compare the returned string.
  cron_expression   text NOT NULL,
  timezone          text NOT NULL DEFAULT 'UTC',
  queue_name        text NOT NULL,
  payload_template  jsonb NOT NULL,
  priority          integer NOT NULL DEFAULT 0,
  max_retries       integer NOT NULL DEFAULT 3,
  timeout_seconds   integer NOT NULL DEFAULT 300,
  is_active         boolean NOT NULL DEFAULT true,
  last_run_at       timestamptz,
  -- The planned instant of the next fire (UTC); the scheduler fires rows whose next_run_at has passed.
  next_run_at       timestamptz,
  run_count         integer NOT NULL DEFAULT 0,
  tags              jsonb,
  metadata          jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  seq               bigserial NOT NULL
);
CREATE INDEX schedules_org ON schedules (organization_id, created_at DESC, seq DESC);
-- The scheduler's scan: only active schedules with a planned fire.
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE is_active AND next_run_at IS NOT NULL;

CREATE TABLE schedule_runs (
  id                text PRIMARY KEY,
  schedule_id       text NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
  organization_id   text NOT NULL,
  -- The planned fire instant for cron fires; NULL for manual triggers.
  tick              timestamptz,
  job_id            text,
  status            text NOT NULL,
  error_message     text,
  started_at        timestamptz NOT NULL DEFAULT now(),
  completed_at      timestamptz,
  seq               bigserial NOT NULL,
  CONSTRAINT schedule_runs_status_known CHECK (status IN ('pending', 'running', 'completed', 'failed'))
);
-- One run per (schedule, tick), however many nodes race to fire it: the database decides, not a lock in memory.
CREATE UNIQUE INDEX schedule_runs_tick ON schedule_runs (schedule_id, tick) WHERE tick IS NOT NULL;
CREATE INDEX schedule_runs_history ON schedule_runs (schedule_id, started_at DESC, seq DESC);

CREATE TABLE workflows (
  id                text PRIMARY KEY,
  organization_id   text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name              text NOT NULL,
  description       text,
  status            text NOT NULL DEFAULT 'pending',
  total_jobs        integer NOT NULL DEFAULT 0,
  completed_jobs    integer NOT NULL DEFAULT 0,
  failed_jobs       integer NOT NULL DEFAULT 0,
  metadata          jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  completed_at      timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  seq               bigserial NOT NULL,
  CONSTRAINT workflows_status_known CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled'))
);
CREATE INDEX workflows_org ON workflows (organization_id, created_at DESC, seq DESC);

-- The key each workflow job was given in its definition (unique inside its workflow).
CREATE TABLE workflow_jobs (
  job_id            text PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
  workflow_id       text NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
  job_key           text NOT NULL,
  UNIQUE (workflow_id, job_key)
);

-- job_id runs only after depends_on_job_id (workflow edges, parent_job_id, and edges added later).
CREATE TABLE job_dependencies (
  job_id            text NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  depends_on_job_id text NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  created_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, depends_on_job_id),
  CONSTRAINT job_dependencies_no_self CHECK (job_id <> depends_on_job_id)
);
CREATE INDEX job_dependencies_parent ON job_dependencies (depends_on_job_id);
