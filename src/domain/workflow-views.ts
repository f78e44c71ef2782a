/** Wire shapes of workflows and dependencies (snake_case, explicit nulls). */
import { iso, jobView } from "./views";

/** The flat fields every SDK reads. */
export function workflowView(w: any) {
  return {
    id: w.id,
    organization_id: w.organization_id,
    name: w.name,
    description: w.description ?? null,
    status: w.status,
    total_jobs: w.total_jobs,
    completed_jobs: w.completed_jobs,
    failed_jobs: w.failed_jobs,
    progress_percent: w.total_jobs > 0 ? (w.completed_jobs / w.total_jobs) * 100 : 0,
    created_at: iso(w.created_at),
    started_at: iso(w.started_at),
    completed_at: iso(w.completed_at),
    metadata: w.metadata ?? null,
  };
}

/** Detail: the flat fields plus the newest upstream extras (jobs, dependency edges, a progress object). */
export function workflowDetailView(w: any, jobs: any[]) {
  const count = (...statuses: string[]) => jobs.filter((j) => statuses.includes(j.status)).length;
  return {
    ...workflowView(w),
    jobs: jobs.map(workflowJobView),
    dependencies: jobs.flatMap((j) =>
      (j.depends_on as string[]).map((parent) => ({ parent_job_id: parent, child_job_id: j.id, dependency_type: j.dependency_mode ?? "all" })),
    ),
    progress: {
      total: w.total_jobs,
      completed: w.completed_jobs,
      failed: w.failed_jobs,
      pending: count("pending", "scheduled"),
      processing: count("processing"),
      cancelled: count("cancelled"),
    },
  };
}

/** A workflow job: the full Job shape plus its key, its dependencies and the WorkflowJob names (attempt, error). */
export function workflowJobView(j: any) {
  return {
    ...jobView(j),
    key: j.job_key ?? null,
    depends_on: j.depends_on ?? [],
    attempt: j.retry_count,
    error: j.last_error ?? null,
  };
}

export function workflowJobStatusView(j: any) {
  return { job_id: j.id, key: j.job_key ?? null, status: j.status, progress: j.status === "completed" ? 100 : 0 };
}

/** One end of a dependency edge as GET /jobs/{id}/dependencies shows it. */
export function dependencyEdgeView(r: any, mode: string | null) {
  return { job_id: r.job_id, queue_name: r.queue_name, status: r.status, dependency_type: mode ?? r.dependency_mode ?? "all" };
}
