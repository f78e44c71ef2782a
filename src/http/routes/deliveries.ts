import { Hono } from "hono";
import type { AppEnv } from "../auth";
import type { Engine } from "../../engine/context";
import { readBody, pathId } from "../body";
import * as queues from "../../engine/delivery-queues";
import { completionCallbacks, deliveryHostStates } from "../../engine/outgoing-webhooks";
import { rotateSecretSchema } from "../../domain/webhook-schemas";
import { attemptView, deliveryView, signingSecretView } from "../../domain/webhook-views";

/**
 * Our extension (docs/webhooks.md): attempts of delivery jobs, a job's completion callbacks, signing secrets of
 * delivery queues, breaker state.
 */
export function deliveryRoutes(engine: Engine, api: Hono<AppEnv>) {
  const p = (c: any) => c.get("principal");
  api.get("/jobs/:id/attempts", async (c) => c.json((await queues.jobAttempts(engine, p(c), pathId(c))).map(attemptView)));
  api.get("/jobs/:id/completion-webhook", async (c) => {
    const callbacks = await completionCallbacks(engine, p(c), pathId(c));
    return c.json(callbacks.map(({ delivery, attempts }) => ({ ...deliveryView(delivery), http_attempts: attempts.map(attemptView) })));
  });

  const secrets = new Hono<AppEnv>();
  secrets.get("/:queue/secrets", async (c) => c.json((await queues.listSigningSecrets(engine, p(c), c.req.param("queue"))).map(signingSecretView)));
  secrets.post("/:queue/secrets", async (c) => {
    const b = await readBody(c, rotateSecretSchema);
    return c.json(signingSecretView(await queues.rotateSigningSecret(engine, p(c), c.req.param("queue"), b.overlap_seconds)), 201);
  });
  secrets.delete("/:queue/secrets/:id", async (c) => {
    await queues.revokeSigningSecret(engine, p(c), c.req.param("queue"), pathId(c));
    return c.body(null, 204);
  });
  api.route("/delivery-queues", secrets);

  api.get("/delivery-breakers", (c) => c.json(deliveryHostStates(engine, p(c))));
}
