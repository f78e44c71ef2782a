// The peers' workloads over Spindle's gRPC face (for `npm run bench`, workload `grpc`): `grpc-enqueue` (unary
// Enqueue, 32 calls in flight), `grpc-throughput` (those jobs drained by 32 StreamJobs workers, each settling with a
// unary Complete) and `grpc-latency` (W2: 200 single REST enqueues per second, handled by the same stream workers).
import { createServer } from "node:net";
import { grpcClients, metadataWith, toStruct, type GrpcClients } from "../tests/helpers/grpc";

/** A port nobody listens on right now, for the server's gRPC listener. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

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

export { grpcClients };
