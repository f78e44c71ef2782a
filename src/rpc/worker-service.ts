import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { Engine } from "../engine/context";
import * as workers from "../engine/workers";
import { AppError } from "../domain/errors";
import { WorkerService, RegisterWorkerResponseSchema, HeartbeatResponseSchema, DeregisterResponseSchema } from "../../gen/spooled/v1/worker_pb";
import { asGrpc } from "./errors";
import { authenticateCall } from "./auth";
import { GRPC_DEFAULT_LEASE_SECS, registerInput, requireWorkerId, workerHeartbeatInput } from "./inputs";

const isMissing = (err: unknown) => err instanceof AppError && err.code === "NOT_FOUND";

/** An unknown worker is a soft "no" on heartbeat and deregister (OK with false), as the contract requires. */
export function workerService(engine: Engine): ServiceImpl<typeof WorkerService> {
  const auth = (ctx: HandlerContext) => authenticateCall(engine, ctx.requestHeader);
  return {
    register: (req, ctx) =>
      asGrpc(async () => {
        const row = await workers.registerWorker(engine, await auth(ctx), registerInput(req));
        return create(RegisterWorkerResponseSchema, {
          workerId: row.id,
          leaseDurationSecs: GRPC_DEFAULT_LEASE_SECS,
          heartbeatIntervalSecs: engine.config.heartbeatIntervalSecs,
        });
      }),

    heartbeat: (req, ctx) =>
      asGrpc(async () => {
        const p = await auth(ctx);
        const input = workerHeartbeatInput(req);
        try {
          await workers.heartbeatWorker(engine, p, req.workerId, input);
          return create(HeartbeatResponseSchema, { acknowledged: true, shouldDrain: false });
        } catch (err) {
          if (isMissing(err)) return create(HeartbeatResponseSchema, { acknowledged: false });
          throw err;
        }
      }),

    deregister: (req, ctx) =>
      asGrpc(async () => {
        const p = await auth(ctx);
        requireWorkerId(req.workerId);
        try {
          await workers.deregisterWorker(engine, p, req.workerId);
          return create(DeregisterResponseSchema, { success: true });
        } catch (err) {
          if (isMissing(err)) return create(DeregisterResponseSchema, { success: false });
          throw err;
        }
      }),
  };
}
