import { Hono } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { readBody, intQuery, pathId } from "../body";
import * as schedules from "../../engine/schedules";
import { createScheduleSchema, updateScheduleSchema } from "../../domain/schedule-schemas";
import { scheduleRunView, scheduleView } from "../../domain/schedule-views";
import { iso } from "../../domain/views";

/** /api/v1/schedules */
export function scheduleRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  const view = async (s: Promise<any>) => scheduleView(await s);

  app.post("/", async (c) => c.json(await view(schedules.createSchedule(engine, c.get("principal"), await readBody(c, createScheduleSchema))), 201));
  app.get("/", async (c) => {
    const rows = await schedules.listSchedules(engine, c.get("principal"), { limit: intQuery(c, "limit"), offset: intQuery(c, "offset") });
    return c.json(rows.map(scheduleView));
  });
  app.get("/:id", async (c) => c.json(await view(schedules.getSchedule(engine, c.get("principal"), pathId(c)))));
  app.put("/:id", async (c) => {
    const input = await readBody(c, updateScheduleSchema);
    return c.json(await view(schedules.updateSchedule(engine, c.get("principal"), pathId(c), input)));
  });
  app.delete("/:id", async (c) => {
    await schedules.deleteSchedule(engine, c.get("principal"), pathId(c));
    return c.body(null, 204);
  });
  app.post("/:id/pause", async (c) => c.json(await view(schedules.pauseSchedule(engine, c.get("principal"), pathId(c)))));
  app.post("/:id/resume", async (c) => c.json(await view(schedules.resumeSchedule(engine, c.get("principal"), pathId(c)))));
  app.post("/:id/trigger", async (c) => {
    const r = await schedules.triggerSchedule(engine, c.get("principal"), pathId(c));
    // The SDK's type reads scheduled_at, upstream sends triggered_at: the same instant under both names.
    return c.json({ job_id: r.job_id, triggered_at: iso(r.triggered_at), scheduled_at: iso(r.triggered_at) });
  });
  app.get("/:id/history", async (c) => {
    const rows = await schedules.scheduleHistory(engine, c.get("principal"), pathId(c), intQuery(c, "limit"));
    return c.json(rows.map(scheduleRunView));
  });
  return app;
}
