-- Registered workers: liveness by heartbeat; their leased jobs return to the queue when they go away.
CREATE TABLE workers (
  id                text PRIMARY KEY,
  organization_id   text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  queue_name        text NOT NULL,
  queue_names       text[] NOT NULL DEFAULT '{}',
  hostname          text NOT NULL,
  worker_type       text,
  max_concurrency   integer NOT NULL DEFAULT 5,
  current_jobs      integer NOT NULL DEFAULT 0,
  status            text NOT NULL DEFAULT 'healthy',
  last_heartbeat    timestamptz NOT NULL DEFAULT now(),
  metadata          jsonb NOT NULL DEFAULT '{}'::jsonb,
  version           text,
  registered_at     timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT workers_status_known CHECK (status IN ('healthy', 'degraded', 'draining', 'offline'))
);
CREATE INDEX workers_org ON workers (organization_id, last_heartbeat DESC);
-- The liveness sweep only looks at workers that are not offline yet.
CREATE INDEX workers_live ON workers (last_heartbeat) WHERE status <> 'offline';
-- Releasing a worker's jobs finds them by worker.
CREATE INDEX jobs_assigned_worker ON jobs (assigned_worker_id) WHERE status = 'processing';
