import type { Queryable } from "../db/types";

/** How many jobs the given workers (organization, worker id pairs) still hold leased. */
export async function countHeldJobs(q: Queryable, holders: readonly { orgId: string; workerId: string }[]): Promise<number> {
  if (holders.length === 0) return 0;
  const [row] = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM jobs j
       JOIN unnest($1::text[], $2::text[]) AS h(org, worker) ON j.organization_id = h.org AND j.assigned_worker_id = h.worker
      WHERE j.status = 'processing'`,
    [holders.map((h) => h.orgId), holders.map((h) => h.workerId)],
  );
  return row?.n ?? 0;
}
