-- Fair claiming (docs/api.md "Fair claiming"): a queue whose settings.fairness is set gives each new job a
-- fairness key (a payload field named in the config, else the organization), and its claims interleave keys.
-- Jobs of other queues keep NULL here and are in neither index below, so the plain path pays nothing for them.
ALTER TABLE jobs ADD COLUMN fairness_key text;

-- The fair claim's walk over the distinct keys with claimable jobs, and each key's next jobs in claim order.
CREATE INDEX jobs_fair_claimable ON jobs (organization_id, queue_name, fairness_key, priority DESC, created_at, seq)
  WHERE status IN ('pending', 'scheduled') AND fairness_key IS NOT NULL;
-- Running jobs per key, for max_concurrency_per_key.
CREATE INDEX jobs_fair_running ON jobs (organization_id, queue_name, fairness_key)
  WHERE status = 'processing' AND fairness_key IS NOT NULL;
