-- Real-time streams: a position for every recorded event, and a table for the events that are not job transitions.
--
-- An event's position is (txid, id): the writing transaction's id, then the row id. A reader that only takes rows
-- whose txid is below the oldest transaction still running (pg_snapshot_xmin) never skips a row that commits later
-- with a smaller id, so a stream can resume from any delivered event without gaps (docs/realtime.md).
ALTER TABLE job_events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX job_events_position ON job_events (txid, id);

-- queue.paused, worker.registered, schedule.triggered, ...: written by the engine's onEvent hook inside the
-- transaction of the change. Ids come from the job_events sequence, so one event id names one event of either table.
CREATE TABLE domain_events (
  id                bigint PRIMARY KEY DEFAULT nextval('job_events_id_seq'),
  txid              xid8 NOT NULL DEFAULT pg_current_xact_id(),
  organization_id   text NOT NULL,
  type              text NOT NULL,
  queue_name        text,
  job_id            text,
  data              jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domain_events_position ON domain_events (txid, id);
CREATE INDEX domain_events_created ON domain_events (created_at);

-- News for every node's event tailer, at commit; the table is the truth.
CREATE FUNCTION notify_domain_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  payload text;
BEGIN
  SELECT string_agg(DISTINCT organization_id, E'\n') INTO payload FROM new_rows;
  IF payload IS NOT NULL THEN
    PERFORM pg_notify('spindle_domain_events', left(payload, 7900));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER domain_events_notify AFTER INSERT ON domain_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION notify_domain_events();
