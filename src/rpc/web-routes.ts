import { createConnectRouter } from "@connectrpc/connect";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import type { Hono } from "hono";
import type { RpcNode } from "./node";
import { rpcHandlerOptions, rpcRoutes, RPC_READ_MAX_BYTES, RPC_SERVICE_PATHS } from "./routes";

/**
 * A request that announces more than the read limit is answered before its body is read: gRPC-web as
 * RESOURCE_EXHAUSTED (trailers-only), Connect and anything else as 413 with a Connect error body.
 */
function tooLarge(req: Request): Response | undefined {
  const length = Number(req.headers.get("content-length") ?? 0);
  if (!(length > RPC_READ_MAX_BYTES)) return undefined;
  const message = `request body of ${length} bytes exceeds the limit of ${RPC_READ_MAX_BYTES} bytes`;
  if (/^application\/grpc-web/.test(req.headers.get("content-type") ?? "")) {
    return new Response(null, { status: 200, headers: { "content-type": "application/grpc-web+proto", "grpc-status": "8", "grpc-message": encodeURIComponent(message), connection: "close" } });
  }
  return Response.json({ code: "resource_exhausted", message }, { status: 413, headers: { connection: "close" } });
}

/**
 * gRPC-web and Connect on the HTTP app (:8080), for browsers and HTTP/1.1 clients. Bidi streaming needs HTTP/2
 * and stays on the gRPC port. CORS is the app's own policy (CORS_ALLOWED_ORIGINS, src/http/edge.ts), which
 * already allows the gRPC-web/Connect headers and exposes grpc-status and grpc-message.
 */
export function mountRpcWeb(root: Hono<any>, node: RpcNode): void {
  const router = createConnectRouter({ grpc: true, grpcWeb: true, connect: true, ...rpcHandlerOptions(node.engine.config) });
  rpcRoutes(node)(router);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, createFetchHandler(h)]));
  for (const prefix of RPC_SERVICE_PATHS) {
    root.on(["POST", "GET"], `${prefix}*`, (c) => {
      const handle = handlers.get(c.req.path);
      const refused = handle && tooLarge(c.req.raw);
      if (refused) return refused;
      return handle ? handle(c.req.raw) : c.json({ code: "NOT_FOUND", message: "Method not found" }, 404);
    });
  }
}
