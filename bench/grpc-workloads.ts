// The peers' workloads over Spindle's gRPC face (for `npm run bench`, workload `grpc`): `grpc-enqueue` (unary
// Enqueue, 32 calls in flight), `grpc-throughput` (those jobs drained by 32 StreamJobs workers, each settling with a
// unary Complete) and `grpc-latency` (W2: 200 single REST enqueues per second, handled by the same stream workers).
import { freePort } from "../tests/helpers/private-postgres";
import { grpcClients, metadataWith, toStruct, type GrpcClients } from "../tests/helpers/grpc";

/** Unary Enqueue of n jobs ({"i": k}) with `inFlight` calls outstanding at all times. */
export async function grpcEnqueue(c: GrpcClients, queueName: string, n: number, inFlight: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) {
        const i = next++;
        await c.call(c.queue, "enqueue", { queueName, payload: toStruct({ i }), maxRetries: 4 });
      }
    }),
  );
}

/**
 * `count` StreamJobs workers (C = count handlers), each asking for `prefetch` jobs in hand; every job is handed to
 * `handle` and then settled with a unary Complete. stop() cancels the streams (their jobs go back to the queue).
 */
export function streamWorkers(c: GrpcClients, key: string, queueName: string, count: number, prefetch: number, handle: (i: number) => void) {
  const md = metadataWith({ "x-api-key": key, "x-spindle-prefetch": String(prefetch) });
  let stopped = false;
  const streams = Array.from({ length: count }, (_, w) => {
    const workerId = `grpc-bench-${w}`;
    const stream = c.queue.streamJobs({ queueName, workerId, leaseDurationSecs: 300 }, md);
    stream.on("error", (err: any) => err.code !== 1 && console.error(`[bench] stream ${w}: ${err.message}`));
    stream.on("data", (job: any) => {
      handle(job.payload?.fields?.i?.numberValue ?? -1);
      c.call(c.queue, "complete", { jobId: job.id, workerId, leaseId: job.leaseId }).catch((err) => stopped || console.error(`[bench] complete: ${err.message}`));
    });
    return stream;
  });
  return {
    describe: () => `${count} StreamJobs workers, x-spindle-prefetch ${prefetch}, unary Complete per job (grpc-js)`,
    stop: () => {
      stopped = true;
      for (const s of streams) s.cancel();
    },
  };
}

export { grpcClients, freePort };

/**
 * `count` ProcessJobs workers, each a bidi stream keeping `depth` dequeues outstanding: every job it gets is handed
 * to `handle` and completed in-band on the same stream, and each settlement reply asks for the next job. A NO_JOBS
 * answer asks again 5 ms later (ProcessJobs' dequeue does not wait for work).
 */
export function processWorkers(c: GrpcClients, queueName: string, count: number, depth: number, handle: (i: number) => void) {
  let stopped = false;
  const calls = Array.from({ length: count }, (_, w) => {
    const workerId = `grpc-bidi-${w}`;
    const call = c.queue.processJobs(c.metadata);
    const dequeue = () => !stopped && call.write({ dequeue: { queueName, workerId, leaseDurationSecs: 300 } });
    call.on("error", (err: any) => err.code !== 1 && !stopped && console.error(`[bench] process stream ${w}: ${err.message}`));
    call.on("data", (r: any) => {
      if (r.response === "job") {
        handle(r.job.payload?.fields?.i?.numberValue ?? -1);
        if (!stopped) call.write({ complete: { jobId: r.job.id, workerId, leaseId: r.job.leaseId } });
      } else if (r.response === "complete") dequeue();
      else if (r.response === "error" && r.error.code === "NO_JOBS") setTimeout(dequeue, 5);
      else if (!stopped) console.error(`[bench] process stream ${w}: ${JSON.stringify(r)}`);
    });
    for (let k = 0; k < depth; k++) dequeue();
    return call;
  });
  return {
    describe: () => `${count} ProcessJobs workers, ${depth} dequeues outstanding each, Complete in-band (grpc-js)`,
    stop: () => {
      stopped = true;
      for (const call of calls) call.end();
    },
  };
}
