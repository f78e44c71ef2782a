import type { Feature } from "../server";
import { scheduleRoutes } from "../http/routes/schedules";
import { scheduler } from "../loops/scheduler";

/** Cron schedules with time zones, fired once per tick cluster-wide. docs/schedules.md */
export const schedulesFeature: Feature = {
  name: "schedules",
  routes: ({ api }, engine) => api.route("/schedules", scheduleRoutes(engine)),
  loops: (engine) => [scheduler(engine.config.schedulerIntervalMs)],
};
