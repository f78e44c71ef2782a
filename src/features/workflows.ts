import type { Feature } from "./feature";
import { dependencyHook } from "../engine/dependencies";
import { jobDependencyRoutes, workflowRoutes } from "../http/routes/workflows";

/** Workflows (DAGs of jobs), job dependencies and parent_job_id gating. docs/workflows.md */
export const workflowsFeature: Feature = {
  name: "workflows",
  build: ({ engine }) => ({
    routes: ({ api }) => {
      api.route("/workflows", workflowRoutes(engine));
      api.route("/jobs", jobDependencyRoutes(engine));
    },
    hooks: { onTransition: [dependencyHook(engine)] },
  }),
};
