/**
 * gRPC throughput on a real server: unary Enqueue calls/s and StreamJobs jobs/s (stream delivery + unary Complete),
 * each with 32 in flight, through @grpc/grpc-js as Spooled's SDK uses it.
 *   bun bench/grpc.ts [--postgres] [--jobs N]
 */
import { startTestServer } from "../tests/helpers/server";
import { postgresAvailable } from "../tests/helpers/databases";
import { grpcClients, grpcPortOf, toStruct } from "../tests/helpers/grpc";

const IN_FLIGHT = 32;
const args = process.argv.slice(2);
const kind = args.includes("--postgres") && (await postgresAvailable()) ? "postgres" : "pglite";
const jobsArg = args.indexOf("--jobs");
const total = jobsArg >= 0 ? Number(args[jobsArg + 1]) : 4000;

const server = await startTestServer(kind);
const { key } = await server.newOrg();
const c = grpcClients(`127.0.0.1:${grpcPortOf(server)}`, key);
const payload = toStruct({ kind: "bench", n: 1, text: "hello world" });

async function enqueueAll(queueName: string, count: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        next++;
        await c.call(c.queue, "enqueue", { queueName, payload });
      }
    }),
  );
  return performance.now() - started;
}

/** 32 StreamJobs workers; each completes every job it is pushed. Ends when all `count` jobs are completed. */
async function streamAll(queueName: string, count: number): Promise<number> {
  let completed = 0;
  const started = performance.now();
  const streams: any[] = [];
  await new Promise<void>((resolve, reject) => {
    for (let w = 0; w < IN_FLIGHT; w++) {
      const workerId = `bench-${w}`;
      const stream = c.queue.streamJobs({ queueName, workerId, leaseDurationSecs: 300 }, c.metadata);
      streams.push(stream);
      stream.on("error", (err: any) => (err.code === 1 ? undefined : reject(err)));
      stream.on("data", (job: any) => {
        c.call(c.queue, "complete", { jobId: job.id, workerId }).then(() => {
          if (++completed === count) resolve();
        }, reject);
      });
    }
  });
  const elapsed = performance.now() - started;
  for (const s of streams) s.cancel();
  return elapsed;
}

// Warm up connections and JIT before measuring.
await enqueueAll("warmup", 200);

const enqueueMs = await enqueueAll("bench", total);
const streamMs = await streamAll("bench", total);

console.log(`gRPC bench on ${kind}, ${total} jobs, ${IN_FLIGHT} in flight`);
console.log(`  unary Enqueue:            ${Math.round(total / (enqueueMs / 1000))} calls/s`);
console.log(`  StreamJobs + Complete:    ${Math.round(total / (streamMs / 1000))} jobs/s`);

c.close();
await server.stop();
process.exit(0);
