import { Hono } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { readBody, pathId } from "../body";
import * as hooks from "../../engine/outgoing-webhooks";
import { createWebhookSchema, updateWebhookSchema } from "../../domain/webhook-schemas";
import { attemptView, deliveryView, webhookView } from "../../domain/webhook-views";

/** /api/v1/outgoing-webhooks (contract §11). */
export function outgoingWebhookRoutes(engine: Engine) {
  const app = new Hono<AppEnv>();
  const p = (c: any) => c.get("principal");

  app.get("/", async (c) => c.json((await hooks.listWebhooks(engine, p(c))).map(webhookView)));
  app.post("/", async (c) => c.json(webhookView(await hooks.createWebhook(engine, p(c), await readBody(c, createWebhookSchema))), 201));
  // This node's adaptive state per destination host (docs/webhooks.md "Adaptive per-host delivery").
  app.get("/hosts", (c) => c.json(hooks.deliveryHostStates(engine, p(c))));
  app.get("/:id", async (c) => c.json(webhookView(await hooks.getWebhook(engine, p(c), pathId(c)))));
  app.put("/:id", async (c) => c.json(webhookView(await hooks.updateWebhook(engine, p(c), pathId(c), await readBody(c, updateWebhookSchema)))));
  app.delete("/:id", async (c) => {
    await hooks.deleteWebhook(engine, p(c), pathId(c));
    return c.body(null, 204);
  });
  app.post("/:id/test", async (c) => c.json(await hooks.testWebhook(engine, p(c), pathId(c))));
  app.get("/:id/deliveries", async (c) => c.json((await hooks.listDeliveries(engine, p(c), pathId(c))).map(deliveryView)));
  app.get("/:id/deliveries/:deliveryId/attempts", async (c) =>
    c.json((await hooks.deliveryAttempts(engine, p(c), pathId(c), c.req.param("deliveryId"))).map(attemptView)),
  );

  const retry = async (c: any) => {
    const delivery = await hooks.retryDelivery(engine, p(c), pathId(c), c.req.param("deliveryId"));
    return c.json({ success: true, message: "Delivery queued for retry", delivery: deliveryView(delivery) });
  };
  app.post("/:id/retry/:deliveryId", retry);
  app.post("/:id/deliveries/:deliveryId/retry", retry);
  return app;
}
