import { Hono } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { readBody, intQuery, pathId } from "../body";
import * as workflows from "../../engine/workflows";
import * as dependencies from "../../engine/dependencies";
import { addDependenciesSchema, createWorkflowSchema } from "../../domain/workflow-schemas";
import { dependencyEdgeView, workflowDetailView, workflowJobStatusView, workflowJobView, workflowView } from "../../domain/workflow-views";

/** /api/v1/workflows */
export function workflowRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  const detail = async (r: Promise<{ workflow: any; jobs: any[] }>) => {
    const { workflow, jobs } = await r;
    return workflowDetailView(workflow, jobs);
  };

  app.post("/", async (c) => c.json(await workflows.createWorkflow(engine, c.get("principal"), await readBody(c, createWorkflowSchema)), 200));
  app.get("/", async (c) => {
    const rows = await workflows.listWorkflows(engine, c.get("principal"), { status: c.req.query("status"), limit: intQuery(c, "limit"), offset: intQuery(c, "offset") });
    return c.json(rows.map(workflowView));
  });
  app.get("/:id", async (c) => c.json(await detail(workflows.getWorkflow(engine, c.get("principal"), pathId(c)))));
  app.post("/:id/cancel", async (c) => c.json(await detail(workflows.cancelWorkflow(engine, c.get("principal"), pathId(c)))));
  app.post("/:id/retry", async (c) => c.json(await detail(workflows.retryWorkflow(engine, c.get("principal"), pathId(c)))));
  app.get("/:id/jobs", async (c) => c.json((await workflows.getWorkflow(engine, c.get("principal"), pathId(c))).jobs.map(workflowJobView)));
  app.get("/:id/jobs/status", async (c) =>
    c.json((await workflows.getWorkflow(engine, c.get("principal"), pathId(c))).jobs.map(workflowJobStatusView)),
  );
  app.get("/:id/jobs/:jobId", async (c) =>
    c.json(workflowJobView(await workflows.workflowJob(engine, c.get("principal"), pathId(c), c.req.param("jobId")))),
  );
  return app;
}

/** /api/v1/jobs/{id}/dependencies */
export function jobDependencyRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.get("/:id/dependencies", async (c) => {
    const { job, dependencies: deps, dependents } = await dependencies.jobDependencies(engine, c.get("principal"), pathId(c));
    return c.json({
      job_id: job.id,
      status: job.status,
      dependency_mode: job.dependency_mode ?? null,
      dependencies_met: job.dependencies_met ?? null,
      dependencies: deps.map((d) => dependencyEdgeView(d, job.dependency_mode)),
      dependents: dependents.map((d) => dependencyEdgeView(d, null)),
    });
  });
  app.post("/:id/dependencies", async (c) => {
    const input = await readBody(c, addDependenciesSchema);
    const jobId = pathId(c);
    const r = await dependencies.addDependencies(engine, c.get("principal"), jobId, input);
    const mode = r.job.dependency_mode ?? "all";
    return c.json({
      job_id: jobId,
      dependencies_added: r.added,
      added: r.added,
      dependencies_met: r.job.dependencies_met ?? null,
      status: r.job.status,
      dependencies: r.dependencies.map((d) => ({ job_id: jobId, depends_on_job_id: d.job_id, dependency_type: mode, status: d.status })),
    });
  });
  return app;
}
