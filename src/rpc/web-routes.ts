import { createConnectRouter } from "@connectrpc/connect";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import type { RouteFeature } from "../http/app";
import { rpcHandlerOptions, rpcRoutes, RPC_SERVICE_PATHS } from "./routes";

/**
 * gRPC-web and Connect on the HTTP app (:8080), for browsers and HTTP/1.1 clients. Bidi streaming needs HTTP/2
 * and stays on the gRPC port. CORS is the app's own policy (CORS_ALLOWED_ORIGINS, src/http/edge.ts), which
 * already allows the gRPC-web/Connect headers and exposes grpc-status and grpc-message.
 */
export const rpcWebRoutes: RouteFeature = ({ root }, engine) => {
  const router = createConnectRouter({ grpc: true, grpcWeb: true, connect: true, ...rpcHandlerOptions(engine.config) });
  rpcRoutes(engine)(router);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, createFetchHandler(h)]));
  for (const prefix of RPC_SERVICE_PATHS) {
    root.on(["POST", "GET"], `${prefix}*`, (c) => {
      const handle = handlers.get(c.req.path);
      return handle ? handle(c.req.raw) : c.json({ code: "NOT_FOUND", message: "Method not found" }, 404);
    });
  }
};
