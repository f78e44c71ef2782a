import { sqlStatuses, WAITING_STATUSES } from "../domain/job-states";
import type { Queryable } from "../db/types";

/** Queues Spindle works itself: `spindle.http` and every `spindle.http.<name>` (docs/webhooks.md). */
export const DELIVERY_QUEUE_SQL = "(queue_name = 'spindle.http' OR queue_name LIKE 'spindle.http.%')";

/** (org, queue) pairs of delivery queues with work due now, across organizations (partial index). */
export async function dueDeliveryQueues(q: Queryable, limit = 1000): Promise<{ organization_id: string; queue_name: string }[]> {
  return q.query(
    `SELECT DISTINCT organization_id, queue_name FROM jobs
     WHERE status IN (${sqlStatuses(WAITING_STATUSES)}) AND ${DELIVERY_QUEUE_SQL} AND (scheduled_at IS NULL OR scheduled_at <= now())
     LIMIT $1`,
    [limit],
  );
}

const SECRET_COLUMNS = "id, organization_id, queue_name, secret, created_at, expires_at";

/** A signing secret of a delivery queue. */
export type SigningSecretRow = { id: string; organization_id: string; queue_name: string; secret: string; created_at: Date; expires_at: Date | null };

/** Live signing secrets of a delivery queue, oldest first. */
export async function activeSecrets(q: Queryable, orgId: string, queueName: string): Promise<SigningSecretRow[]> {
  return q.query<SigningSecretRow>(
    `SELECT ${SECRET_COLUMNS} FROM delivery_signing_secrets
     WHERE organization_id = $1 AND queue_name = $2 AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at, id`,
    [orgId, queueName],
  );
}

/**
 * Adds a secret; the live ones expire after `overlapSecs` (unless already sooner), so receivers can switch over.
 * With `onlyIfNone`, adds nothing when a live secret exists (first use of a queue racing on several nodes).
 */
export async function rotateSecret(q: Queryable, orgId: string, queueName: string, id: string, secret: string, overlapSecs: number, onlyIfNone = false): Promise<SigningSecretRow | undefined> {
  if (onlyIfNone) {
    await q.query("SELECT pg_advisory_xact_lock(hashtext($1 || ' ' || $2))", [orgId, queueName]);
    const live = await activeSecrets(q, orgId, queueName);
    if (live.length > 0) return undefined;
  }
  await q.query(
    `UPDATE delivery_signing_secrets SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), now() + make_interval(secs => $3::float8))
     WHERE organization_id = $1 AND queue_name = $2 AND (expires_at IS NULL OR expires_at > now())`,
    [orgId, queueName, overlapSecs],
  );
  const [row] = await q.query<SigningSecretRow>(
    `INSERT INTO delivery_signing_secrets (id, organization_id, queue_name, secret) VALUES ($1, $2, $3, $4) RETURNING ${SECRET_COLUMNS}`,
    [id, orgId, queueName, secret],
  );
  return row;
}

export async function listSecrets(q: Queryable, orgId: string, queueName: string): Promise<(SigningSecretRow & { active: boolean })[]> {
  return q.query<SigningSecretRow & { active: boolean }>(`SELECT ${SECRET_COLUMNS}, (expires_at IS NULL OR expires_at > now()) AS active FROM delivery_signing_secrets WHERE organization_id = $1 AND queue_name = $2 ORDER BY created_at, id`, [orgId, queueName]);
}

export async function revokeSecret(q: Queryable, orgId: string, queueName: string, id: string): Promise<boolean> {
  const rows = await q.query(
    "UPDATE delivery_signing_secrets SET expires_at = now() WHERE organization_id = $1 AND queue_name = $2 AND id = $3 AND (expires_at IS NULL OR expires_at > now()) RETURNING id",
    [orgId, queueName, id],
  );
  return rows.length > 0;
}
