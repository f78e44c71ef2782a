import type { Feature } from "./feature";
import { prefetchJobSubscribers, recordDomainNotification, recordJobNotifications, validateCompletionWebhooks } from "../engine/outgoing-webhooks";
import { validateDeliveryJobs } from "../engine/delivery-queues";
import { outgoingWebhookRoutes } from "../http/routes/outgoing-webhooks";
import { deliveryRoutes } from "../http/routes/deliveries";
import { ingestionRoutes } from "../http/routes/ingestion";
import { DeliveryRuntime, outboundHttp } from "../delivery/runtime";
import { JobDeliveryDispatcher } from "../delivery/job-dispatcher";
import { NotificationDispatcher } from "../delivery/notification-dispatcher";
import { hostGateFamilies } from "../delivery/host-metrics";

/**
 * Webhooks (docs/webhooks.md): outgoing event notifications (outbox rows written in the event's transaction),
 * HTTP delivery jobs worked by Spindle itself, verified ingestion, and the per-host protection they share.
 */
export const webhooksFeature: Feature = {
  name: "webhooks",
  build: ({ engine, metrics }) => {
    const delivery = new DeliveryRuntime(engine);
    return {
      provides: { delivery },
      outbound: outboundHttp(delivery),
      routes: ({ api, publicApi }) => {
        api.route("/outgoing-webhooks", outgoingWebhookRoutes(engine));
        deliveryRoutes(engine, api);
        publicApi.route("/webhooks", ingestionRoutes(engine));
      },
      hooks: {
        validateCreate: [validateCompletionWebhooks(engine)],
        validateInsert: [validateDeliveryJobs(engine)],
        beforeTransition: [prefetchJobSubscribers],
        onTransition: [recordJobNotifications],
        onEvent: [recordDomainNotification],
      },
      async start() {
        if (!engine.config.runLoops) return;
        metrics.addSource(hostGateFamilies(delivery.gates));
        const running = [new NotificationDispatcher(engine, delivery).run(), new JobDeliveryDispatcher(engine, delivery).run()];
        const stop = async () => {
          delivery.stopping.abort();
          delivery.wakeAll();
          await Promise.allSettled(running);
        };
        return { stop };
      },
    };
  },
};
