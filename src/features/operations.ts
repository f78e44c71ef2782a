import type { Feature } from "./feature";
import { auditRoutes, bulkJobRoutes, operationRoutes } from "../http/routes/operations";
import { continueOperations } from "../engine/operations";

/** How often the leader looks for operation batches that are due (a paced operation's steps are this fine). */
const OPERATIONS_INTERVAL_MS = 100;

/** Redrive, bulk cancel and bulk purge by filter, run as resumable operations. docs/api.md "Operations". */
export const operationsFeature: Feature = {
  name: "operations",
  build: ({ engine }) => ({
    routes: ({ api }) => {
      api.route("/jobs", bulkJobRoutes(engine));
      api.route("/operations", operationRoutes(engine));
      api.route("/audit-log", auditRoutes(engine));
    },
    loops: [{ name: "operations", intervalMs: OPERATIONS_INTERVAL_MS, tick: (e) => continueOperations(e) }],
  }),
};
