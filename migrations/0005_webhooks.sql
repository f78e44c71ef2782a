-- Webhooks: outgoing event notifications (an outbox of deliveries), HTTP delivery jobs (their signing secrets),
-- and the record of every HTTP attempt either of them made.

CREATE TABLE outgoing_webhooks (
  id                 text PRIMARY KEY,
  organization_id    text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name               text NOT NULL,
  url                text NOT NULL,
  events             text[] NOT NULL,
  secret             text,
  enabled            boolean NOT NULL DEFAULT true,
  failure_count      integer NOT NULL DEFAULT 0,
  last_triggered_at  timestamptz,
  last_status        text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outgoing_webhooks_org ON outgoing_webhooks (organization_id, created_at DESC);

-- The outbox: a row is written in the transaction of the event it announces, then delivered by a loop.
CREATE TABLE outgoing_webhook_deliveries (
  id                 text PRIMARY KEY,
  webhook_id         text NOT NULL REFERENCES outgoing_webhooks(id) ON DELETE CASCADE,
  organization_id    text NOT NULL,
  event              text NOT NULL,
  payload            jsonb NOT NULL,
  status             text NOT NULL DEFAULT 'pending',
  status_code        integer,
  response_body      text,
  error              text,
  attempts           integer NOT NULL DEFAULT 0,
  created_at         timestamptz NOT NULL DEFAULT now(),
  delivered_at       timestamptz,
  next_attempt_at    timestamptz NOT NULL DEFAULT now(),
  -- A dispatcher's claim on the row while its request is in flight; an expired claim is taken over.
  locked_until       timestamptz,
  CONSTRAINT outgoing_webhook_deliveries_status CHECK (status IN ('pending', 'success', 'failed'))
);
CREATE INDEX outgoing_webhook_deliveries_due ON outgoing_webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outgoing_webhook_deliveries_webhook ON outgoing_webhook_deliveries (webhook_id, created_at DESC);

CREATE FUNCTION notify_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('spindle_webhook_deliveries', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outgoing_webhook_deliveries_notify AFTER INSERT ON outgoing_webhook_deliveries
  FOR EACH STATEMENT EXECUTE FUNCTION notify_webhook_deliveries();

-- Standard Webhooks signing secrets of an HTTP delivery queue. Rotation sets expires_at on the old ones, so
-- during the overlap a request carries one signature per live secret.
CREATE TABLE delivery_signing_secrets (
  id                 text PRIMARY KEY,
  organization_id    text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  queue_name         text NOT NULL,
  secret             text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  expires_at         timestamptz
);
CREATE INDEX delivery_signing_secrets_queue ON delivery_signing_secrets (organization_id, queue_name, created_at);

-- One row per HTTP attempt, of a delivery job (subject_kind 'job') or of a webhook delivery ('webhook_delivery').
CREATE TABLE http_attempts (
  id                     bigserial PRIMARY KEY,
  organization_id        text NOT NULL,
  subject_kind           text NOT NULL,
  subject_id             text NOT NULL,
  attempt                integer NOT NULL,
  method                 text NOT NULL,
  url                    text NOT NULL,
  target_address         text,
  request_headers        jsonb NOT NULL,
  response_status        integer,
  response_headers       jsonb,
  response_body_excerpt  text,
  latency_ms             double precision NOT NULL,
  error_class            text,
  error                  text,
  outcome                text NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX http_attempts_subject ON http_attempts (subject_id, id);

-- Finding the HTTP delivery queues that have due work, across organizations, without scanning other queues.
CREATE INDEX jobs_http_delivery_due ON jobs (organization_id, queue_name)
  WHERE status IN ('pending', 'scheduled') AND (queue_name = 'spindle.http' OR queue_name LIKE 'spindle.http.%');
