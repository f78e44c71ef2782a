-- Foundation: organizations, API keys, jobs with their history, queue configuration.
-- Ids are text (server-generated UUIDs) so that any string is a legal lookup key that simply matches nothing.

CREATE TABLE organizations (
  id                text PRIMARY KEY,
  name              text NOT NULL,
  slug              text NOT NULL UNIQUE,
  plan_tier         text NOT NULL DEFAULT 'free',
  billing_email     text,
  settings          jsonb NOT NULL DEFAULT '{}'::jsonb,
  custom_limits     jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organizations_billing_email ON organizations (lower(billing_email)) WHERE billing_email IS NOT NULL;

CREATE TABLE api_keys (
  id                text PRIMARY KEY,
  organization_id   text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name              text NOT NULL,
  -- SHA-256 (hex) of the whole key: keys carry 256 random bits, so a fast digest looked up by index is safe.
  key_hash          text NOT NULL UNIQUE,
  key_prefix        text NOT NULL,
  queues            text[] NOT NULL DEFAULT ARRAY['*'],
  rate_limit        integer,
  is_active         boolean NOT NULL DEFAULT true,
  created_at        timestamptz NOT NULL DEFAULT now(),
  last_used         timestamptz,
  expires_at        timestamptz
);
CREATE INDEX api_keys_org ON api_keys (organization_id, created_at DESC);

CREATE TABLE jobs (
  id                   text PRIMARY KEY,
  seq                  bigserial NOT NULL,
  organization_id      text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  queue_name           text NOT NULL,
  status               text NOT NULL,
  payload              jsonb NOT NULL,
  result               jsonb,
  retry_count          integer NOT NULL DEFAULT 0,
  max_retries          integer NOT NULL,
  last_error           text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  scheduled_at         timestamptz,
  started_at           timestamptz,
  completed_at         timestamptz,
  expires_at           timestamptz,
  priority             integer NOT NULL DEFAULT 0,
  tags                 jsonb,
  timeout_seconds      integer NOT NULL,
  parent_job_id        text,
  completion_webhook   text,
  assigned_worker_id   text,
  lease_id             text,
  lease_expires_at     timestamptz,
  idempotency_key      text,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  workflow_id          text,
  dependency_mode      text,
  dependencies_met     boolean,
  CONSTRAINT jobs_status_known CHECK (status IN ('pending','scheduled','processing','completed','failed','deadletter','cancelled'))
);
-- The claim path: only claimable rows are indexed, in claim order.
CREATE INDEX jobs_claimable ON jobs (organization_id, queue_name, priority DESC, created_at, seq)
  WHERE status IN ('pending', 'scheduled');
-- The lease reaper: only leased rows.
CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE status = 'processing';
CREATE UNIQUE INDEX jobs_idempotency ON jobs (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_org_created ON jobs (organization_id, created_at DESC);
CREATE INDEX jobs_org_status ON jobs (organization_id, status, queue_name);
CREATE INDEX jobs_parent ON jobs (parent_job_id) WHERE parent_job_id IS NOT NULL;
CREATE INDEX jobs_workflow ON jobs (workflow_id) WHERE workflow_id IS NOT NULL;

-- Every state change of a job appends one row here in the same statement: the history API, the real-time
-- streams (resumable by id) and outgoing notifications all read this table.
CREATE TABLE job_events (
  id                bigserial PRIMARY KEY,
  organization_id   text NOT NULL,
  job_id            text NOT NULL,
  queue_name        text NOT NULL,
  event             text NOT NULL,
  status            text NOT NULL,
  worker_id         text,
  error             text,
  detail            jsonb,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_events_job ON job_events (job_id, id);
CREATE INDEX job_events_org ON job_events (organization_id, id);

-- NOTIFY carries only the news (which org/queue pairs changed), at commit; the table is the truth.
CREATE FUNCTION notify_job_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  payload text;
BEGIN
  SELECT string_agg(DISTINCT organization_id || ' ' || queue_name, E'\n') INTO payload FROM new_rows;
  IF payload IS NOT NULL THEN
    PERFORM pg_notify('spindle_job_events', left(payload, 7900));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER job_events_notify AFTER INSERT ON job_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_job_events();

CREATE TABLE queue_config (
  id                text PRIMARY KEY,
  organization_id   text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  queue_name        text NOT NULL,
  max_retries       integer NOT NULL DEFAULT 3,
  default_timeout   integer NOT NULL DEFAULT 300,
  rate_limit        integer,
  enabled           boolean NOT NULL DEFAULT true,
  settings          jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, queue_name)
);
