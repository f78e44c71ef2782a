import type { Engine, Principal } from "./context";
import { canUseQueue, hasAllQueues } from "./context";
import * as store from "../store/dashboard";
import { VERSION } from "../version";

async function databaseHealthy(e: Engine): Promise<boolean> {
  try {
    await e.db.query("SELECT 1");
    return true;
  } catch {
    return false;
  }
}

const rounded = (v: number | null) => (v == null ? null : Math.round(v * 100) / 100);

/** DashboardData of the contract for the caller's organization (queues limited to the caller's scope). */
export async function dashboard(e: Engine, p: Principal) {
  const j = await store.organizationJobStats(e.db, p.orgId);
  const queues = (await store.queueSummaries(e.db, p.orgId, 200)).filter((q) => canUseQueue(p, q.name)).slice(0, 20);
  const w = await store.workerHealth(e.db, p.orgId);
  return {
    system: {
      version: VERSION,
      uptime_seconds: Math.floor((Date.now() - e.startedAt.getTime()) / 1000),
      started_at: e.startedAt.toISOString(),
      database_status: (await databaseHealthy(e)) ? "healthy" : "unhealthy",
      cache_status: "healthy",
      environment: e.config.mode,
    },
    jobs: {
      total: j.total,
      pending: j.pending,
      processing: j.processing,
      completed_24h: j.completed_24h,
      failed_24h: j.failed_24h,
      deadletter: j.deadletter,
      avg_wait_time_ms: rounded(j.avg_wait_time_ms),
      avg_processing_time_ms: rounded(j.avg_processing_time_ms),
    },
    queues,
    workers: { total: w.total, healthy: w.healthy, unhealthy: w.total - w.healthy },
    recent_activity: { jobs_created_1h: j.jobs_created_1h, jobs_completed_1h: j.jobs_completed_1h, jobs_failed_1h: j.jobs_failed_1h },
  };
}

/** Throughput of the caller's jobs per minute (enqueued / completed / failed attempts), for the dashboard's chart. */
export async function throughput(e: Engine, p: Principal, minutes: number) {
  const window = Math.min(180, Math.max(1, Math.trunc(minutes)));
  const rows = await store.jobEventsPerMinute(e.db, p.orgId, window, hasAllQueues(p) ? null : p.queues);
  return { minutes: rows.map((r) => ({ minute: new Date(r.minute).toISOString(), enqueued: r.enqueued, completed: r.completed, failed: r.failed })) };
}
