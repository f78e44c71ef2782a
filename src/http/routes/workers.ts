import { Hono, type Context } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { readBody, pathId } from "../body";
import * as workers from "../../engine/workers";
import { registerWorkerSchema, workerHeartbeatSchema } from "../../domain/worker-schemas";
import { workerSummaryView, workerView } from "../../domain/worker-views";

/** /api/v1/workers (contract section 8). */
export function workerRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  app.post("/register", async (c) => {
    const row = await workers.registerWorker(engine, c.get("principal"), await readBody(c, registerWorkerSchema));
    return c.json(
      { id: row.id, queue_name: row.queue_name, lease_duration_secs: engine.config.defaultLeaseSecs, heartbeat_interval_secs: engine.config.heartbeatIntervalSecs },
      201,
    );
  });
  app.get("/", async (c) => c.json((await workers.listWorkers(engine, c.get("principal"))).map(workerSummaryView)));
  app.get("/:id", async (c) => c.json(workerView(await workers.getWorker(engine, c.get("principal"), pathId(c)))));
  app.post("/:id/heartbeat", async (c) => {
    const b = await readBody(c, workerHeartbeatSchema);
    const row = await workers.heartbeatWorker(engine, c.get("principal"), pathId(c), b);
    return c.json({ success: true, status: row.status, should_drain: row.status === "draining" });
  });
  // The contract's deregister, and DELETE /workers/{id} as the official Go SDK sends it: same effect, same 204.
  const deregister = async (c: Context<AppEnv>) => {
    await workers.deregisterWorker(engine, c.get("principal"), pathId(c));
    return c.body(null, 204);
  };
  app.post("/:id/deregister", deregister);
  app.delete("/:id", deregister);
  return app;
}
