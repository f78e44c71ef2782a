import type { Feature } from "./feature";
import { listenGrpc } from "../rpc/listener";
import { mountRpcWeb } from "../rpc/web-routes";
import { RpcNode } from "../rpc/node";

/** spooled.v1 over gRPC on GRPC_PORT, and over gRPC-web/Connect on the HTTP app. */
export const grpcFeature: Feature = {
  name: "grpc",
  build: ({ engine }) => {
    const node = new RpcNode(engine);
    return {
      provides: { rpcStreams: node.streams },
      routes: ({ root }) => mountRpcWeb(root, node),
      async start() {
        const listener = await listenGrpc(node, engine.config.host, engine.config.grpcPort);
        if (!engine.config.quiet) console.log(`[grpc] listening on port ${listener.port} (${listener.addresses.join(", ")})`);
        const stop = async () => {
          await listener.close();
          // Streams on either mount hand their jobs back as they close; let them finish before the database goes.
          await node.streams.drained(5000);
        };
        return { provides: { grpc: listener }, stop };
      },
    };
  },
};
