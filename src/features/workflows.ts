import type { Feature } from "../server";
import { installDependencyHook } from "../engine/dependencies";
import { jobDependencyRoutes, workflowRoutes } from "../http/routes/workflows";

/** Workflows (DAGs of jobs), job dependencies and parent_job_id gating. docs/workflows.md */
export const workflowsFeature: Feature = {
  name: "workflows",
  routes: ({ api }, engine) => {
    api.route("/workflows", workflowRoutes(engine));
    api.route("/jobs", jobDependencyRoutes(engine));
  },
  start: async (engine) => installDependencyHook(engine),
};
