import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { RpcNode } from "./node";
import { AppError } from "../domain/errors";
import { ProcessResponseSchema, type ProcessRequest, type ProcessResponse } from "../../gen/spooled/v1/queue_pb";
import { authenticateCall, StreamAuthorization } from "./auth";
import { inBandError, toConnectError } from "./errors";
import { claimInput } from "./inputs";
import { handBackJobs } from "./active-streams";
import { jobMessage } from "./messages";
import { claimOneNow } from "./job-feed";
import type { settlement } from "./settlement";

/** Requests of one stream being answered at once; reading pauses beyond this (the client's sends then wait). */
const MAX_PIPELINED = 64;

const errorResponse = (code: string, message: string) => create(ProcessResponseSchema, { response: { case: "error", value: { code, message } } });

/**
 * Bidirectional worker loop: exactly one response per request, in order, with failures in-band so the stream
 * survives them. Only a revoked key ends it from our side. Jobs still leased by the stream's workers when it
 * closes go back to the queue.
 */
export async function* processJobs(
  node: RpcNode,
  settle: ReturnType<typeof settlement>,
  requests: AsyncIterable<ProcessRequest>,
  ctx: HandlerContext,
): AsyncGenerator<ProcessResponse> {
  const { engine, streams } = node;
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
        const job = await claimOneNow(node, p, { ...claim, limit: 1 });
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

  // What a request must not overtake: a settlement or renewal waits for the dequeues sent before it (one of them
  // may be handing out its job) and for earlier requests about the same job; dequeues overtake nothing.
  const dequeuesInFlight = new Set<Promise<unknown>>();
  const lastAboutJob = new Map<string, Promise<unknown>>();
  const answerInTurn = (req: ProcessRequest): Promise<ProcessResponse> => {
    const jobId = req.request.case === "dequeue" || req.request.case === undefined ? undefined : req.request.value.jobId;
    const earlier = jobId === undefined ? [] : [...dequeuesInFlight, lastAboutJob.get(jobId)];
    const response = Promise.all(earlier).then(() => answer(req)).catch((err) => {
      const e = inBandError(err);
      return errorResponse(e.code, e.message);
    });
    if (req.request.case === "dequeue") {
      dequeuesInFlight.add(response);
      void response.then(() => dequeuesInFlight.delete(response));
    } else if (jobId !== undefined) {
      lastAboutJob.set(jobId, response);
      void response.then(() => lastAboutJob.get(jobId) === response && lastAboutJob.delete(jobId));
    }
    return response;
  };

  // Requests are answered concurrently (a worker may pipeline dequeues and settlements; they then share claims and
  // group commits with everyone else's) and replied to in arrival order. The key re-check stays sequential.
  const answers: Promise<ProcessResponse>[] = [];
  let readingDone = false;
  let readingError: unknown;
  let wakeReplies: (() => void) | undefined;
  let wakeReading: (() => void) | undefined;
  const queued = (response: Promise<ProcessResponse>) => {
    answers.push(response);
    wakeReplies?.();
  };
  const reading = (async () => {
    try {
      for await (const req of requests) {
        while (answers.length >= MAX_PIPELINED) await new Promise<void>((r) => (wakeReading = r));
        try {
          await stream.recheck();
        } catch (err) {
          const e = inBandError(err);
          queued(Promise.resolve(errorResponse(e.code, e.message)));
          if (err instanceof AppError && err.code === "UNAUTHORIZED") return;
          continue;
        }
        queued(answerInTurn(req));
      }
    } catch (err) {
      readingError = err;
    } finally {
      readingDone = true;
      wakeReplies?.();
    }
  })();

  try {
    for (;;) {
      if (answers.length === 0) {
        if (readingDone) break;
        await new Promise<void>((r) => (wakeReplies = r));
        wakeReplies = undefined;
        continue;
      }
      const reply = await answers[0]!;
      answers.shift();
      wakeReading?.();
      wakeReading = undefined;
      yield reply;
    }
    await reading;
    if (readingError) throw readingError;
  } finally {
    // Requests still being answered may lease a job yet: hand back only once they are done.
    await Promise.allSettled(answers);
    for (const workerId of workers) {
      await handBackJobs(engine, stream.principal.orgId, workerId);
    }
    for (const done of unserve) done();
    leave();
  }
}
