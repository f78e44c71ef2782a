import type { Feature } from "./feature";
import { EventHub } from "../bus/event-hub";
import { persistDomainEvent, pruneDomainEvents } from "../engine/events";
import { eventRoutes } from "../http/routes/events";
import { wsRoutes } from "../http/routes/ws";

/** SSE and WebSocket streams of every recorded event, fed by one tailer per node. docs/realtime.md */
export const realtimeFeature: Feature = {
  name: "realtime",
  build: ({ engine }) => {
    const hub = new EventHub(engine.db, engine.signals, { pollMs: engine.config.eventsPollMs, batch: 1000, settleMs: 20 });
    return {
      provides: { hub },
      hooks: { onEvent: [persistDomainEvent] },
      routes: ({ publicApi, auth }) => {
        // Mounted outside the authenticated API: these routes accept query credentials, which the API refuses.
        publicApi.route("/events", eventRoutes(engine, hub, auth));
        publicApi.route("/ws", wsRoutes(engine, hub, auth));
      },
      loops: [{ name: "event-pruner", intervalMs: 60_000, tick: pruneDomainEvents }],
      async start() {
        await hub.start();
        return { stop: () => hub.stop() };
      },
    };
  },
};
