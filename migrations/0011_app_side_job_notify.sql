-- The job_events trigger NOTIFYs at commit, and NOTIFY takes PostgreSQL's global notify lock at commit: every
-- transaction that recorded a job event queued behind every other one. The hot paths (group-committed creates and
-- completions, batched stream claims) set `spindle.notify_by_app = on` in their transaction: the trigger then only
-- collects the touched (organization, queue) pairs in the transaction-local `spindle.touched`, which the caller
-- reads before commit and sends in one coalesced NOTIFY after it (src/bus/job-notifier.ts). Every other writer
-- keeps the trigger's own NOTIFY.
CREATE OR REPLACE FUNCTION notify_job_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  payload text;
BEGIN
  SELECT string_agg(DISTINCT organization_id || ' ' || queue_name, E'\n') INTO payload FROM new_rows;
  IF payload IS NULL THEN
    RETURN NULL;
  END IF;
  IF current_setting('spindle.notify_by_app', true) = 'on' THEN
    PERFORM set_config('spindle.touched', coalesce(current_setting('spindle.touched', true), '') || E'\n' || payload, true);
  ELSE
    PERFORM pg_notify('spindle_job_events', left(payload, 7900));
  END IF;
  RETURN NULL;
END $$;
