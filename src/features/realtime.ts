import type { Feature } from "../server";
import type { Engine } from "../engine/context";
import { EventHub } from "../bus/event-hub";
import { persistDomainEvent, pruneDomainEvents } from "../engine/events";
import { eventRoutes } from "../http/routes/events";
import { wsRoutes } from "../http/routes/ws";

const hubs = new WeakMap<Engine, EventHub>();
/** The node's event hub of a running engine (subscriber counts for operators and tests). */
export const hubOf = (engine: Engine): EventHub | undefined => hubs.get(engine);

/** SSE and WebSocket streams of every recorded event, fed by one tailer per node. docs/realtime.md */
export const realtimeFeature: Feature = {
  name: "realtime",
  async start(engine) {
    engine.hooks.onEvent.push(persistDomainEvent);
    const hub = new EventHub(engine.db, engine.signals, { pollMs: engine.config.eventsPollMs, batch: 1000, settleMs: 20 });
    await hub.start();
    hubs.set(engine, hub);
    return () => hub.stop();
  },
  routes: ({ publicApi }, engine) => {
    const hub = hubs.get(engine)!;
    // Mounted outside the authenticated API: these routes accept query credentials, which the API refuses.
    publicApi.route("/events", eventRoutes(engine, hub));
    publicApi.route("/ws", wsRoutes(engine, hub));
  },
  loops: () => [{ name: "event-pruner", intervalMs: 60_000, tick: pruneDomainEvents }],
};
