import { Hono } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { readBody } from "../body";
import * as queues from "../../engine/queues";
import { pauseSchema, queueConfigSchema } from "../../domain/job-schemas";
import { queueConfigView, queueSummaryView } from "../../domain/views";

export function queueRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => c.json((await queues.listQueues(engine, c.get("principal"))).map(queueSummaryView)));
  app.get("/:name", async (c) => c.json(queueConfigView(await queues.getQueue(engine, c.get("principal"), c.req.param("name")))));
  app.put("/:name/config", async (c) => {
    const b = await readBody(c, queueConfigSchema);
    return c.json(queueConfigView(await queues.configureQueue(engine, c.get("principal"), c.req.param("name"), b)));
  });
  app.get("/:name/stats", async (c) => c.json(await queues.queueStats(engine, c.get("principal"), c.req.param("name"))));
  app.post("/:name/pause", async (c) => {
    const b = await readBody(c, pauseSchema);
    return c.json(await queues.pauseQueue(engine, c.get("principal"), c.req.param("name"), b.reason ?? null));
  });
  app.post("/:name/resume", async (c) => c.json(await queues.resumeQueue(engine, c.get("principal"), c.req.param("name"))));
  app.delete("/:name", async (c) => {
    await queues.deleteQueue(engine, c.get("principal"), c.req.param("name"), c.req.query("delete_jobs") === "true");
    return c.body(null, 204);
  });
  return app;
}
