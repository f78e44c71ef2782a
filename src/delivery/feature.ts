import type { Feature } from "../server";
import { recordDomainNotification, recordJobNotifications, validateCompletionWebhooks } from "../engine/outgoing-webhooks";
import { validateDeliveryJobs } from "../engine/delivery-queues";
import { outgoingWebhookRoutes } from "../http/routes/outgoing-webhooks";
import { deliveryRoutes } from "../http/routes/deliveries";
import { ingestionRoutes } from "../http/routes/ingestion";
import { deliveryRuntime } from "./runtime";
import { usageCounters } from "../engine/quotas";
import { countEnabledWebhooks } from "../store/outgoing-webhooks";
import { JobDeliveryDispatcher } from "./job-dispatcher";
import { NotificationDispatcher } from "./notification-dispatcher";
import { hostGateFamilies } from "./host-metrics";
import { metricsOf } from "../metrics/server-metrics";

/**
 * Webhooks (docs/webhooks.md): outgoing event notifications (outbox rows written in the event's transaction),
 * HTTP delivery jobs worked by Spindle itself, verified ingestion, and the per-host protection they share.
 */
export const webhooksFeature: Feature = {
  name: "webhooks",
  routes: ({ api, publicApi }, engine) => {
    api.route("/outgoing-webhooks", outgoingWebhookRoutes(engine));
    deliveryRoutes(engine, api);
    publicApi.route("/webhooks", ingestionRoutes(engine));
  },
  async start(engine) {
    usageCounters.webhooks = countEnabledWebhooks;
    engine.hooks.afterTransition.push(validateDeliveryJobs(engine), recordJobNotifications);
    engine.hooks.onEvent.push(recordDomainNotification);
    engine.hooks.validateCreate.push(validateCompletionWebhooks(engine));
    if (!engine.config.runLoops) return;
    const rt = deliveryRuntime(engine);
    metricsOf(engine).addSource(hostGateFamilies(rt.gates));
    const running = [new NotificationDispatcher(engine, rt).run(), new JobDeliveryDispatcher(engine, rt).run()];
    return async () => {
      rt.stopping.abort();
      rt.wakeAll();
      await Promise.allSettled(running);
    };
  },
};
