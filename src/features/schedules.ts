import type { Feature } from "./feature";
import { scheduleRoutes } from "../http/routes/schedules";
import { scheduler } from "../loops/scheduler";

/** Cron schedules with time zones, fired once per tick cluster-wide. docs/schedules.md */
export const schedulesFeature: Feature = {
  name: "schedules",
  build: ({ engine }) => ({
    routes: ({ api }) => api.route("/schedules", scheduleRoutes(engine)),
    loops: [scheduler(engine.config.schedulerIntervalMs)],
  }),
};
