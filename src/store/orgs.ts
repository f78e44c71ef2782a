import type { Queryable } from "../db/types";

const ORG_COLUMNS = "id, name, slug, plan_tier, billing_email, settings, custom_limits, created_at, updated_at";

export async function insertOrganization(q: Queryable, org: { id: string; name: string; slug: string; billingEmail: string | null; planTier: string }): Promise<any | undefined> {
  const [row] = await q.query(
    `INSERT INTO organizations (id, name, slug, billing_email, plan_tier) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING RETURNING ${ORG_COLUMNS}`,
    [org.id, org.name, org.slug, org.billingEmail, org.planTier],
  );
  return row;
}

export async function getOrganization(q: Queryable, id: string): Promise<any | undefined> {
  const [row] = await q.query(`SELECT ${ORG_COLUMNS} FROM organizations WHERE id = $1`, [id]);
  return row;
}

export async function slugTaken(q: Queryable, slug: string): Promise<boolean> {
  return (await q.query("SELECT 1 FROM organizations WHERE slug = $1", [slug])).length > 0;
}

export async function billingEmailTaken(q: Queryable, email: string): Promise<boolean> {
  return (await q.query("SELECT 1 FROM organizations WHERE lower(billing_email) = lower($1)", [email])).length > 0;
}
