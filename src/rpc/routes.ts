import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import type { RpcNode } from "./node";
import type { Config } from "../config";
import { rejectUnstorableRequest, rejectUnstorableText } from "./unstorable-text";
import type { CallLimits } from "./h2/call";
import { QueueService } from "../../gen/spooled/v1/queue_pb";
import { WorkerService } from "../../gen/spooled/v1/worker_pb";
import { queueService } from "./queue-service";
import { workerService } from "./worker-service";

/** Requests up to 4 MiB (grpc-js's default receive limit): room for a 1 MiB payload in any encoding. */
export const RPC_READ_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Message nesting the decoders allow for a JSON nesting limit: a Struct or list level is two messages (Value, then
 * Struct or ListValue), plus the request and a margin. protobuf-es stops at 100 by default, which refused payloads
 * from about 48 levels that REST accepts; with this, whatever REST accepts decodes, and deeper input is refused by
 * the decoder (INVALID_ARGUMENT) before anything recurses through it.
 */
export const messageDepthFor = (jsonMaxDepth: number) => 2 * jsonMaxDepth + 8;

/**
 * What every way of serving spooled.v1 allows a request: the Connect mounts apply it through rpcHandlerOptions (the
 * interceptor runs the same check), binary gRPC on :50051 directly (src/rpc/h2).
 */
export const rpcCallLimits = (config: Config): CallLimits => ({
  maxBytes: RPC_READ_MAX_BYTES,
  recursionLimit: messageDepthFor(config.jsonMaxDepth),
  checkRequest: rejectUnstorableRequest,
});

/**
 * Options shared by both mounts. Connect-JSON replies spell out zero values (pending: "0", success: false) so that
 * curl and browser users see every field, like the REST API does.
 */
export const rpcHandlerOptions = (config: Config) => {
  const { maxBytes, recursionLimit } = rpcCallLimits(config);
  return {
    readMaxBytes: maxBytes,
    interceptors: [rejectUnstorableText] as Interceptor[],
    binaryOptions: { recursionLimit },
    jsonOptions: { alwaysEmitImplicit: true, ignoreUnknownFields: true, recursionLimit },
  } as const;
};

/** The spooled.v1 services, each with its implementation: one list for every way they are served. */
export const rpcServices = (node: RpcNode) => [
  { service: QueueService, impl: queueService(node) },
  { service: WorkerService, impl: workerService(node.engine) },
];

/** The services as Connect routes (gRPC-web and Connect on both ports); plain gRPC on :50051 is served by src/rpc/h2. */
export const rpcRoutes = (node: RpcNode) => (router: ConnectRouter) => {
  for (const { service, impl } of rpcServices(node)) router.service(service, impl as never);
};

export const RPC_SERVICE_PATHS = [`/${QueueService.typeName}/`, `/${WorkerService.typeName}/`];
