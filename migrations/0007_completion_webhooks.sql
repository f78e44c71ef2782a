-- Per-job completion callbacks (contract semantics.md §10, last paragraph): the job keeps an optional signing
-- secret, and a callback is a row of the webhook outbox without a webhook — it carries its own target and secret,
-- copied when the job completes, so deleting the job later does not lose the delivery or its record.

ALTER TABLE jobs ADD COLUMN completion_webhook_secret text;

ALTER TABLE outgoing_webhook_deliveries ALTER COLUMN webhook_id DROP NOT NULL;
ALTER TABLE outgoing_webhook_deliveries ADD COLUMN job_id text;
ALTER TABLE outgoing_webhook_deliveries ADD COLUMN target_url text;
ALTER TABLE outgoing_webhook_deliveries ADD COLUMN secret text;
ALTER TABLE outgoing_webhook_deliveries ADD CONSTRAINT outgoing_webhook_deliveries_target
  CHECK (webhook_id IS NOT NULL OR target_url IS NOT NULL);
CREATE INDEX outgoing_webhook_deliveries_job ON outgoing_webhook_deliveries (job_id) WHERE job_id IS NOT NULL;
