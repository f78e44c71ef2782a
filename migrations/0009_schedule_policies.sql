-- Missed-run and overlap policies of cron schedules (docs/schedules.md "Catch-up, overlap and jitter").
ALTER TABLE schedules
  ADD COLUMN catch_up text NOT NULL DEFAULT 'latest' CHECK (catch_up IN ('skip', 'latest', 'all')),
  ADD COLUMN catch_up_window_secs integer NOT NULL DEFAULT 3600,
  ADD COLUMN overlap text NOT NULL DEFAULT 'allow' CHECK (overlap IN ('allow', 'skip', 'cancel_previous')),
  ADD COLUMN jitter_secs integer NOT NULL DEFAULT 0;

-- A tick the overlap policy passed over is recorded as skipped (with the reason), so the history shows every tick.
ALTER TABLE schedule_runs DROP CONSTRAINT schedule_runs_status_known;
ALTER TABLE schedule_runs ADD CONSTRAINT schedule_runs_status_known CHECK (status IN ('pending', 'running', 'completed', 'failed', 'skipped'));
