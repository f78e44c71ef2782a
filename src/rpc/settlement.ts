import { create } from "@bufbuild/protobuf";
import type { Engine, Principal } from "../engine/context";
import * as leases from "../engine/leases";
import { AppError } from "../domain/errors";
import {
  CompleteResponseSchema,
  FailResponseSchema,
  RenewLeaseResponseSchema,
  type CompleteRequest,
  type FailRequest,
  type RenewLeaseRequest,
} from "../../gen/spooled/v1/queue_pb";
import { completeInput, failInput, renewInput } from "./inputs";
import { timestampOf } from "./messages";

export const isSoftMiss = (err: unknown) => err instanceof AppError && (err.code === "NOT_FOUND" || err.code === "LEASE_EXPIRED");

/** Settlement calls shared by the unary methods and the ProcessJobs stream. */
export function settlement(engine: Engine) {
  return {
    async complete(p: Principal, r: CompleteRequest) {
      const { proof, result } = completeInput(r);
      await leases.completeJob(engine, p, proof, result);
      return create(CompleteResponseSchema, { success: true });
    },
    async fail(p: Principal, r: FailRequest) {
      const { proof, error, allowRetry } = failInput(r);
      const outcome = await leases.failJob(engine, p, proof, error, allowRetry);
      return create(FailResponseSchema, {
        success: true,
        willRetry: outcome.willRetry,
        nextRetryDelaySecs: outcome.willRetry ? Math.round(outcome.delaySecs ?? 0) : 0,
      });
    },
    /** A renewal by anyone but the live lease holder is a plain "no" (success=false), not an error. */
    async renew(p: Principal, r: RenewLeaseRequest) {
      const { proof, leaseSecs } = renewInput(r);
      try {
        const job = await leases.heartbeatJob(engine, p, proof, leaseSecs);
        return create(RenewLeaseResponseSchema, { success: true, newExpiresAt: timestampOf(job.lease_expires_at) });
      } catch (err) {
        if (isSoftMiss(err)) return create(RenewLeaseResponseSchema, { success: false });
        throw err;
      }
    },
  };
}
