import type { Queryable } from "../db/types";
import { ROUTE_MANAGED_SETTINGS, SECRET_SETTINGS } from "../domain/org-settings";

const ORG_COLUMNS = "id, name, slug, plan_tier, billing_email, settings, custom_limits, created_at, updated_at";

/** An organization as ORG_COLUMNS reads it. */
export type OrganizationRow = {
  id: string;
  name: string;
  slug: string;
  plan_tier: string;
  billing_email: string | null;
  settings: Record<string, unknown>;
  custom_limits: unknown;
  created_at: Date;
  updated_at: Date;
};

export async function insertOrganization(q: Queryable, org: { id: string; name: string; slug: string; billingEmail: string | null; planTier: string }): Promise<OrganizationRow | undefined> {
  const [row] = await q.query<OrganizationRow>(
    `INSERT INTO organizations (id, name, slug, billing_email, plan_tier) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING RETURNING ${ORG_COLUMNS}`,
    [org.id, org.name, org.slug, org.billingEmail, org.planTier],
  );
  return row;
}

export async function getOrganization(q: Queryable, id: string): Promise<OrganizationRow | undefined> {
  const [row] = await q.query<OrganizationRow>(`SELECT ${ORG_COLUMNS} FROM organizations WHERE id = $1`, [id]);
  return row;
}

export async function slugTaken(q: Queryable, slug: string): Promise<boolean> {
  return (await q.query("SELECT 1 FROM organizations WHERE slug = $1", [slug])).length > 0;
}

export async function billingEmailTaken(q: Queryable, email: string, exceptOrgId?: string): Promise<boolean> {
  const rows = await q.query("SELECT 1 FROM organizations WHERE lower(billing_email) = lower($1) AND id IS DISTINCT FROM $2::text", [email, exceptOrgId ?? null]);
  return rows.length > 0;
}

/**
 * Settings are replaced as a whole, except secret-bearing keys (domain/org-settings.ts): a secret the new settings
 * do not mention is kept (views hide them, so a read-modify-write must not erase them), null clears it, and
 * route-managed ones (the webhook token) are changed only by their own routes.
 */
export async function updateOrganization(q: Queryable, id: string, p: { name?: string; billingEmail?: string | null; settings?: Record<string, unknown> }): Promise<OrganizationRow | undefined> {
  const [row] = await q.query<OrganizationRow>(
    `UPDATE organizations o SET
       name = COALESCE($2, name),
       billing_email = CASE WHEN $3::bool THEN $4 ELSE billing_email END,
       settings = CASE WHEN $5::text IS NULL THEN settings ELSE
         (SELECT COALESCE(jsonb_object_agg(n.key, n.value), '{}'::jsonb) FROM jsonb_each($5::text::jsonb) n
          WHERE NOT n.key = ANY($7::text[]) AND NOT (n.key = ANY($6::text[]) AND jsonb_typeof(n.value) = 'null'))
         || (SELECT COALESCE(jsonb_object_agg(k.key, k.value), '{}'::jsonb) FROM jsonb_each(o.settings) k
             WHERE k.key = ANY($7::text[]) OR (k.key = ANY($6::text[]) AND NOT $5::text::jsonb ? k.key))
       END,
       updated_at = now()
     WHERE id = $1 RETURNING ${ORG_COLUMNS}`,
    [id, p.name ?? null, p.billingEmail !== undefined, p.billingEmail ?? null, p.settings ? JSON.stringify(p.settings) : null, [...SECRET_SETTINGS], [...ROUTE_MANAGED_SETTINGS]],
  );
  return row;
}

/** Admin changes: plan, billing email, settings (replaced, secrets kept as above) and custom limits (null clears). */
export async function adminUpdateOrganization(
  q: Queryable,
  id: string,
  p: { planTier?: string; billingEmail?: string | null; settings?: Record<string, unknown>; customLimits?: Record<string, unknown> | null },
): Promise<OrganizationRow | undefined> {
  const [row] = await q.query<{ id: string }>(
    `UPDATE organizations SET
       plan_tier = COALESCE($2, plan_tier),
       custom_limits = CASE WHEN $3::bool THEN $4::text::jsonb ELSE custom_limits END,
       updated_at = now()
     WHERE id = $1 RETURNING id`,
    [id, p.planTier ?? null, p.customLimits !== undefined, p.customLimits ? JSON.stringify(p.customLimits) : null],
  );
  if (!row) return undefined;
  return updateOrganization(q, id, { billingEmail: p.billingEmail, settings: p.settings });
}

export async function setWebhookToken(q: Queryable, id: string, token: string | null): Promise<OrganizationRow | undefined> {
  const [row] = await q.query<OrganizationRow>(
    `UPDATE organizations SET
       settings = CASE WHEN $2::text IS NULL THEN settings - 'webhook_token' ELSE jsonb_set(settings, '{webhook_token}', to_jsonb($2::text)) END,
       updated_at = now()
     WHERE id = $1 RETURNING ${ORG_COLUMNS}`,
    [id, token],
  );
  return row;
}

/** Locks the organization row: new jobs (which reference it) wait until the caller's transaction ends. */
export async function lockOrganization(q: Queryable, id: string): Promise<OrganizationRow | undefined> {
  const [row] = await q.query<OrganizationRow>(`SELECT ${ORG_COLUMNS} FROM organizations WHERE id = $1 FOR UPDATE`, [id]);
  return row;
}

/** Deletes an organization and everything it owns (job history has no foreign key, so it goes explicitly). */
export async function deleteOrganization(q: Queryable, id: string): Promise<boolean> {
  await q.query("DELETE FROM job_events WHERE organization_id = $1", [id]);
  const rows = await q.query("DELETE FROM organizations WHERE id = $1 RETURNING id", [id]);
  return rows.length > 0;
}

/** Soft delete: the organization is kept as plan "deleted" and its keys stop working. */
export async function softDeleteOrganization(q: Queryable, id: string): Promise<boolean> {
  const rows = await q.query("UPDATE organizations SET plan_tier = 'deleted', updated_at = now() WHERE id = $1 RETURNING id", [id]);
  await q.query("UPDATE api_keys SET is_active = false WHERE organization_id = $1", [id]);
  return rows.length > 0;
}

const SORTABLE = new Set(["name", "slug", "plan_tier", "updated_at", "created_at"]);

export async function searchOrganizations(
  q: Queryable,
  f: { planTier?: string; search?: string; limit: number; offset: number; sortBy: string; sortOrder: "asc" | "desc" },
): Promise<{ rows: OrganizationRow[]; total: number }> {
  const sortBy = SORTABLE.has(f.sortBy) ? f.sortBy : "created_at";
  const order = f.sortOrder === "asc" ? "ASC" : "DESC";
  const where = `($1::text IS NULL OR plan_tier = $1) AND ($2::text IS NULL OR name ILIKE '%' || $2 || '%' OR slug ILIKE '%' || $2 || '%')`;
  const params = [f.planTier ?? null, f.search ?? null];
  const rows = await q.query<OrganizationRow>(
    `SELECT ${ORG_COLUMNS} FROM organizations WHERE ${where}
     ORDER BY ${sortBy} ${order}, id LIMIT $3 OFFSET $4`,
    [...params, f.limit, f.offset],
  );
  const [count] = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM organizations WHERE ${where}`, params);
  return { rows, total: count?.n ?? 0 };
}

export async function countJobs(q: Queryable, orgId: string): Promise<number> {
  const [row] = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE organization_id = $1", [orgId]);
  return row?.n ?? 0;
}

export async function organizationStats(q: Queryable) {
  const byPlan = await q.query<{ plan: string; count: number }>("SELECT plan_tier AS plan, count(*)::int AS count FROM organizations GROUP BY plan_tier ORDER BY plan_tier");
  const [created] = await q.query<{ today: number; week: number }>(
    `SELECT count(*) FILTER (WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')::int AS today,
            count(*) FILTER (WHERE created_at >= now() - interval '7 days')::int AS week FROM organizations`,
  );
  return { byPlan, createdToday: created?.today ?? 0, createdThisWeek: created?.week ?? 0 };
}
