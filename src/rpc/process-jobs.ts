import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { RpcNode } from "./node";
import { claimJobs } from "../engine/leases";
import { AppError } from "../domain/errors";
import { ProcessResponseSchema, type ProcessRequest, type ProcessResponse } from "../../gen/spooled/v1/queue_pb";
import { authenticateCall, StreamAuthorization } from "./auth";
import { inBandError, toConnectError } from "./errors";
import { claimInput } from "./inputs";
import { handBackJobs } from "./active-streams";
import { jobMessage } from "./messages";
import type { settlement } from "./settlement";

const errorResponse = (code: string, message: string) => create(ProcessResponseSchema, { response: { case: "error", value: { code, message } } });

/**
 * Bidirectional worker loop: exactly one response per request, in order, with failures in-band so the stream
 * survives them. Only a revoked key ends it from our side. Jobs still leased by the stream's workers when it
 * closes go back to the queue.
 */
export async function* processJobs(
  { engine, streams }: RpcNode,
  settle: ReturnType<typeof settlement>,
  requests: AsyncIterable<ProcessRequest>,
  ctx: HandlerContext,
): AsyncGenerator<ProcessResponse> {
  const leave = streams.enter();
  let stream: StreamAuthorization;
  try {
    stream = new StreamAuthorization(engine, ctx.requestHeader, await authenticateCall(engine, ctx.requestHeader));
  } catch (err) {
    leave();
    throw toConnectError(err);
  }
  const workers = new Set<string>();
  const unserve: (() => void)[] = [];

  const answer = async (req: ProcessRequest): Promise<ProcessResponse> => {
    const p = stream.principal;
    switch (req.request.case) {
      case "dequeue": {
        // One job per request whatever batch_size says: the reply has room for one.
        const claim = claimInput(req.request.value);
        if (!workers.has(claim.workerId)) unserve.push(streams.serve(p.orgId, claim.workerId));
        workers.add(claim.workerId);
        const [job] = await claimJobs(engine, p, { ...claim, limit: 1 });
        return job ? create(ProcessResponseSchema, { response: { case: "job", value: jobMessage(job) } }) : errorResponse("NO_JOBS", "No jobs available");
      }
      case "complete":
        return create(ProcessResponseSchema, { response: { case: "complete", value: await settle.complete(p, req.request.value) } });
      case "fail":
        return create(ProcessResponseSchema, { response: { case: "fail", value: await settle.fail(p, req.request.value) } });
      case "renewLease":
        return create(ProcessResponseSchema, { response: { case: "renewLease", value: await settle.renew(p, req.request.value) } });
      default:
        return errorResponse("INVALID_REQUEST", "Empty request");
    }
  };

  try {
    for await (const req of requests) {
      try {
        await stream.recheck();
      } catch (err) {
        const e = inBandError(err);
        yield errorResponse(e.code, e.message);
        if (err instanceof AppError && err.code === "UNAUTHORIZED") return;
        continue;
      }
      try {
        yield await answer(req);
      } catch (err) {
        const e = inBandError(err);
        yield errorResponse(e.code, e.message);
      }
    }
  } finally {
    for (const workerId of workers) {
      await handBackJobs(engine, stream.principal.orgId, workerId);
    }
    for (const done of unserve) done();
    leave();
  }
}
