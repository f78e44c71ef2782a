import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { Engine } from "../engine/context";
import * as jobs from "../engine/jobs";
import * as leases from "../engine/leases";
import { queueStats } from "../engine/queues";
import { AppError } from "../domain/errors";
import {
  QueueService,
  EnqueueResponseSchema,
  DequeueResponseSchema,
  CompleteResponseSchema,
  FailResponseSchema,
  RenewLeaseResponseSchema,
  GetJobResponseSchema,
  GetQueueStatsResponseSchema,
  type CompleteRequest,
  type FailRequest,
  type RenewLeaseRequest,
} from "../../gen/spooled/v1/queue_pb";
import type { Principal } from "../engine/context";
import { asGrpc, toConnectError } from "./errors";
import { authenticateCall, StreamAuthorization } from "./auth";
import { claimInput, completeInput, enqueueInput, failInput, renewInput } from "./inputs";
import { jobMessage, timestampOf } from "./messages";
import { claimWhenAvailable } from "./job-feed";
import { processJobs } from "./process-jobs";
import { activeStreams, handBackJobs } from "./active-streams";

const isSoftMiss = (err: unknown) => err instanceof AppError && (err.code === "NOT_FOUND" || err.code === "LEASE_EXPIRED");

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

export function queueService(engine: Engine): ServiceImpl<typeof QueueService> {
  const auth = (ctx: HandlerContext) => authenticateCall(engine, ctx.requestHeader);
  const settle = settlement(engine);

  return {
    enqueue: (req, ctx) =>
      asGrpc(async () => {
        const p = await auth(ctx);
        const r = await jobs.createJob(engine, p, enqueueInput(req));
        return create(EnqueueResponseSchema, { jobId: r.id, created: r.created });
      }),

    dequeue: (req, ctx) =>
      asGrpc(async () => {
        const p = await auth(ctx);
        const rows = await leases.claimJobs(engine, p, claimInput(req, req.batchSize));
        return create(DequeueResponseSchema, { jobs: rows.map(jobMessage) });
      }),

    complete: (req, ctx) => asGrpc(async () => settle.complete(await auth(ctx), req)),
    fail: (req, ctx) => asGrpc(async () => settle.fail(await auth(ctx), req)),
    renewLease: (req, ctx) => asGrpc(async () => settle.renew(await auth(ctx), req)),

    getJob: (req, ctx) =>
      asGrpc(async () => {
        const p = await auth(ctx);
        try {
          return create(GetJobResponseSchema, { job: jobMessage(await jobs.getJob(engine, p, req.jobId)) });
        } catch (err) {
          if (isSoftMiss(err)) return create(GetJobResponseSchema, {});
          throw err;
        }
      }),

    getQueueStats: (req, ctx) =>
      asGrpc(async () => {
        const p = await auth(ctx);
        const live = await queueStats(engine, p, req.queueName);
        const counts = await jobs.jobStats(engine, p, req.queueName);
        return create(GetQueueStatsResponseSchema, {
          queueName: req.queueName,
          pending: BigInt(counts.pending),
          scheduled: BigInt(counts.scheduled),
          processing: BigInt(counts.processing),
          completed: BigInt(counts.completed),
          failed: BigInt(counts.failed),
          deadletter: BigInt(counts.deadletter),
          total: BigInt(counts.total),
          maxAgeMs: BigInt((live.max_job_age_seconds ?? 0) * 1000),
        });
      }),

    /** Pushes each claimable job, leased to the worker; whatever it still holds goes back when the stream closes. */
    async *streamJobs(req, ctx) {
      const leave = activeStreams(engine).enter();
      let stream: StreamAuthorization;
      let claim: ReturnType<typeof claimInput>;
      try {
        stream = new StreamAuthorization(engine, ctx.requestHeader, await auth(ctx));
        claim = claimInput(req);
      } catch (err) {
        leave();
        throw toConnectError(err);
      }
      const unserve = activeStreams(engine).serve(stream.principal.orgId, claim.workerId);
      try {
        for await (const job of claimWhenAvailable(engine, stream, claim, ctx.signal)) yield jobMessage(job);
      } catch (err) {
        if (!ctx.signal.aborted) throw toConnectError(err);
      } finally {
        await handBackJobs(engine, stream.principal.orgId, claim.workerId);
        unserve();
        leave();
      }
    },

    processJobs: (requests, ctx) => processJobs(engine, settle, requests, ctx),
  };
}
