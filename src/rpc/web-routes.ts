import { cors } from "hono/cors";
import { createConnectRouter } from "@connectrpc/connect";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import type { RouteFeature } from "../http/app";
import { rpcRoutes, RPC_HANDLER_OPTIONS, RPC_SERVICE_PATHS } from "./routes";

/** What a browser client may send and read across origins (gRPC-web and Connect headers plus our credentials). */
const ALLOWED_HEADERS = [
  "content-type", "connect-protocol-version", "connect-timeout-ms", "connect-content-encoding", "connect-accept-encoding",
  "grpc-timeout", "grpc-accept-encoding", "x-grpc-web", "x-user-agent", "x-api-key", "authorization",
];
const EXPOSED_HEADERS = ["grpc-status", "grpc-message", "grpc-status-details-bin", "grpc-encoding", "content-encoding", "connect-content-encoding"];

/**
 * gRPC-web and Connect on the HTTP app (:8080), for browsers and HTTP/1.1 clients. Bidi streaming needs HTTP/2
 * and stays on the gRPC port. Cross-origin access is off unless the operator lists origins.
 */
export const rpcWebRoutes: RouteFeature = ({ root }, engine) => {
  const router = createConnectRouter({ grpc: true, grpcWeb: true, connect: true, ...RPC_HANDLER_OPTIONS });
  rpcRoutes(engine)(router);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, createFetchHandler(h)]));
  const origins = engine.config.grpcWebCorsOrigins;

  for (const prefix of RPC_SERVICE_PATHS) {
    if (origins.length > 0) {
      root.use(
        `${prefix}*`,
        cors({ origin: origins.includes("*") ? "*" : origins, allowMethods: ["POST", "GET", "OPTIONS"], allowHeaders: ALLOWED_HEADERS, exposeHeaders: EXPOSED_HEADERS, maxAge: 7200 }),
      );
    }
    root.on(["POST", "GET"], `${prefix}*`, (c) => {
      const handle = handlers.get(c.req.path);
      return handle ? handle(c.req.raw) : c.json({ code: "NOT_FOUND", message: "Method not found" }, 404);
    });
  }
};
