import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import * as jobs from "../engine/jobs";
import * as leases from "../engine/leases";
import { queueStats } from "../engine/queues";
import {
  QueueService,
  EnqueueResponseSchema,
  DequeueResponseSchema,
  GetJobResponseSchema,
  GetQueueStatsResponseSchema,
} from "../../gen/spooled/v1/queue_pb";
import { asGrpc, toConnectError } from "./errors";
import { authenticateCall, StreamAuthorization } from "./auth";
import { claimInput, enqueueInput } from "./inputs";
import { jobMessage } from "./messages";
import { claimWhenAvailable, prefetchOf } from "./job-feed";
import { processJobs } from "./process-jobs";
import { isSoftMiss, settlement } from "./settlement";
import { handBackJobs } from "./active-streams";
import type { RpcNode } from "./node";

export function queueService(node: RpcNode): ServiceImpl<typeof QueueService> {
  const engine = node.engine;
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

    /**
     * Pushes each claimable job, leased to the worker; whatever it still holds goes back when the stream closes.
     * Our extension: header `x-spindle-prefetch: n` keeps up to n jobs leased to the worker (never more).
     */
    async *streamJobs(req, ctx) {
      const leave = node.streams.enter();
      let stream: StreamAuthorization;
      let claim: ReturnType<typeof claimInput>;
      try {
        stream = new StreamAuthorization(engine, ctx.requestHeader, await auth(ctx));
        claim = claimInput(req);
      } catch (err) {
        leave();
        throw toConnectError(err);
      }
      const unserve = node.streams.serve(stream.principal.orgId, claim.workerId);
      try {
        for await (const job of claimWhenAvailable(node, stream, claim, ctx.signal, prefetchOf(ctx.requestHeader))) yield jobMessage(job);
      } catch (err) {
        if (!ctx.signal.aborted) throw toConnectError(err);
      } finally {
        await handBackJobs(engine, stream.principal.orgId, claim.workerId);
        unserve();
        leave();
      }
    },

    processJobs: (requests, ctx) => processJobs(node, settle, requests, ctx),
  };
}
