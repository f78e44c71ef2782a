-- Accounts and guard rails: quota counters, the JWT denylist, server-generated secrets, rate-limit buckets.

-- One row per organization: the daily job counter, and the row every quota check locks so that concurrent
-- creates of one organization decide one after another (exactly N admitted for N free slots).
CREATE TABLE org_usage (
  organization_id   text PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
  usage_day         date NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')::date,
  jobs_today        integer NOT NULL DEFAULT 0,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Logged-out tokens (by jti) until they would have expired anyway; every node reads the same table.
CREATE TABLE jwt_denylist (
  jti               text PRIMARY KEY,
  expires_at        timestamptz NOT NULL
);
CREATE INDEX jwt_denylist_expiry ON jwt_denylist (expires_at);

-- Secrets the server generates for itself (the development JWT key): created once, shared by every node.
CREATE TABLE server_secrets (
  name              text PRIMARY KEY,
  value             text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- Token buckets shared by all nodes. Unlogged: after a crash the buckets start full, which is harmless.
CREATE UNLOGGED TABLE rate_buckets (
  bucket            text PRIMARY KEY,
  tokens            double precision NOT NULL,
  refreshed_at      timestamptz NOT NULL,
  -- whether the last take found a token (RETURNING cannot see the value before the update)
  granted           boolean NOT NULL DEFAULT true
);

-- Admin search and listing by plan.
CREATE INDEX organizations_plan ON organizations (plan_tier, created_at DESC);
