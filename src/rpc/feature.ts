import type { Feature } from "../server";
import type { Engine } from "../engine/context";
import { listenGrpc, type GrpcListener } from "./listener";
import { rpcWebRoutes } from "./web-routes";
import { activeStreams } from "./active-streams";

const listeners = new WeakMap<Engine, GrpcListener>();

/** The gRPC listener of a running engine (tests and benchmarks find the bound port here). */
export function grpcListenerOf(engine: Engine): GrpcListener | undefined {
  return listeners.get(engine);
}

/** spooled.v1 over gRPC on GRPC_PORT, and over gRPC-web/Connect on the HTTP app. */
export const grpcFeature: Feature = {
  name: "grpc",
  routes: rpcWebRoutes,
  async start(engine) {
    const listener = await listenGrpc(engine, engine.config.host, engine.config.grpcPort);
    listeners.set(engine, listener);
    if (!engine.config.quiet) console.log(`[grpc] listening on port ${listener.port} (${listener.addresses.join(", ")})`);
    return async () => {
      listeners.delete(engine);
      await listener.close();
      // Streams on either mount hand their jobs back as they close; let them finish before the database goes.
      await activeStreams(engine).drained(5000);
    };
  },
};
