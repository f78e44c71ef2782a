import type { ConnectRouter } from "@connectrpc/connect";
import type { Engine } from "../engine/context";
import { QueueService } from "../../gen/spooled/v1/queue_pb";
import { WorkerService } from "../../gen/spooled/v1/worker_pb";
import { queueService } from "./queue-service";
import { workerService } from "./worker-service";

/** Requests up to 4 MiB (grpc-js's default receive limit): room for a 1 MiB payload in any encoding. */
export const RPC_READ_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Options shared by both mounts. Connect-JSON replies spell out zero values (pending: "0", success: false) so that
 * curl and browser users see every field, like the REST API does.
 */
export const RPC_HANDLER_OPTIONS = { readMaxBytes: RPC_READ_MAX_BYTES, jsonOptions: { alwaysEmitImplicit: true, ignoreUnknownFields: true } } as const;

/** The spooled.v1 services; the same routes serve :50051 and the HTTP app. */
export const rpcRoutes = (engine: Engine) => (router: ConnectRouter) => {
  router.service(QueueService, queueService(engine));
  router.service(WorkerService, workerService(engine));
};

export const RPC_SERVICE_PATHS = [`/${QueueService.typeName}/`, `/${WorkerService.typeName}/`];
