/**
 * gRPC throughput on a real server: unary Enqueue calls/s and StreamJobs jobs/s (stream delivery + unary Complete),
 * each with 32 in flight, through @grpc/grpc-js as Spooled's SDK uses it.
 *   bun bench/grpc.ts [--postgres] [--jobs N]
 * PROFILE=1 prints the statement profile (count, time, rows per statement shape, transactions) to stderr, and every
 * run prints how busy this process (server and client together) was: CPU time / wall time per phase.
 * BENCH_PREFETCH=n asks for n jobs in hand per stream (header x-spindle-prefetch; default 1, the contract's one job).
 */
import { loadConfig } from "../src/config";
import { startServer } from "../src/server";
import { freshDatabase, postgresAvailable } from "../tests/helpers/databases";
import { grpcClients, metadataWith, toStruct } from "../tests/helpers/grpc";
import { profiledDb } from "./db-profile";

const IN_FLIGHT = 32;
const args = process.argv.slice(2);
const kind = args.includes("--postgres") && (await postgresAvailable()) ? "postgres" : "pglite";
const jobsArg = args.indexOf("--jobs");
const total = jobsArg >= 0 ? Number(args[jobsArg + 1]) : 4000;
const prefetch = Number(process.env.BENCH_PREFETCH ?? 1);

const fresh = await freshDatabase(kind);
const profile = process.env.PROFILE ? profiledDb(fresh.db) : null;
const config = loadConfig({ HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_QUIET: "true", SPINDLE_QUOTAS: "off" });
const server = await startServer(config, { db: profile?.db ?? fresh.db });
const org = (await (await fetch(`${server.url}/api/v1/organizations`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ name: "bench", slug: `bench-${Date.now().toString(36)}` }),
})).json()) as any;
const key = org.api_key.key as string;
const c = grpcClients(`127.0.0.1:${server.grpc!.port}`, key);
const payload = toStruct({ kind: "bench", n: 1, text: "hello world" });

/** Runs fn and reports its wall time and the share of it this process spent on a CPU. */
async function measured(fn: () => Promise<void>): Promise<{ ms: number; busy: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, busy: (cpu.user + cpu.system) / 1000 / ms };
}

async function enqueueAll(queueName: string, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        next++;
        await c.call(c.queue, "enqueue", { queueName, payload });
      }
    }),
  );
}

/** 32 StreamJobs workers; each completes every job it is pushed. Ends when all `count` jobs are completed. */
async function streamAll(queueName: string, count: number): Promise<void> {
  let completed = 0;
  const streams: any[] = [];
  const md = metadataWith({ "x-api-key": key, "x-spindle-prefetch": String(prefetch) });
  await new Promise<void>((resolve, reject) => {
    for (let w = 0; w < IN_FLIGHT; w++) {
      const workerId = `bench-${w}`;
      const stream = c.queue.streamJobs({ queueName, workerId, leaseDurationSecs: 300 }, md);
      streams.push(stream);
      stream.on("error", (err: any) => (err.code === 1 ? undefined : reject(err)));
      stream.on("data", (job: any) => {
        c.call(c.queue, "complete", { jobId: job.id, workerId, leaseId: job.leaseId }).then(() => {
          if (++completed === count) resolve();
        }, reject);
      });
    }
  });
  for (const s of streams) s.cancel();
}

// Warm up connections and JIT before measuring.
await enqueueAll("warmup", 200);

const enqueue = await measured(() => enqueueAll("bench", total));
const stream = await measured(() => streamAll("bench", total));

const busy = (m: { busy: number }) => `${Math.round(m.busy * 100)}% of one core busy (server + client)`;
console.log(`gRPC bench on ${kind}, ${total} jobs, ${IN_FLIGHT} in flight, prefetch ${prefetch}`);
console.log(`  unary Enqueue:            ${Math.round(total / (enqueue.ms / 1000))} calls/s   ${busy(enqueue)}`);
console.log(`  StreamJobs + Complete:    ${Math.round(total / (stream.ms / 1000))} jobs/s   ${busy(stream)}`);

c.close();
await server.stop();
if (profile) console.error(profile.report());
await fresh.dispose();
process.exit(0);
