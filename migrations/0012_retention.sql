-- Retention (docs/operations.md "Retention"): the loop finds finished jobs oldest first through this small partial
-- index and deletes them in small batches. Only finished rows are in it, so the claim path never pays for it, and
-- a batch reads exactly the rows it deletes. updated_at is when a finished job reached its final state.
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (updated_at) WHERE status IN ('completed', 'cancelled', 'failed', 'deadletter');
CREATE INDEX IF NOT EXISTS outgoing_webhook_deliveries_finished ON outgoing_webhook_deliveries (created_at) WHERE status <> 'pending';
