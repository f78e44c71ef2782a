import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { startTestServer, type TestServer } from "../helpers/server";
import { databaseKinds, postgresAvailable } from "../helpers/databases";
import { grpcClients, grpcPortOf, grpcError, metadataWith, nextMessages, toStruct, grpc, type GrpcClients } from "../helpers/grpc";
import { eventually } from "../helpers/eventually";
import { forEachLine } from "../helpers/process";
import { loadConfig } from "../../src/config";
import { startServer, type RunningServer } from "../../src/server";
import { openPostgres } from "../../src/db/postgres";

/** Settles every job pushed to it with a unary Complete; the ids it completed, in order. */
function completingWorker(c: GrpcClients, key: string, queueName: string, workerId: string, prefetch?: number) {
  const completed: string[] = [];
  const md = metadataWith({ "x-api-key": key, ...(prefetch ? { "x-spindle-prefetch": String(prefetch) } : {}) });
  const stream = c.queue.streamJobs({ queueName, workerId, leaseDurationSecs: 300 }, md);
  stream.on("error", () => {});
  stream.on("data", (job: any) => {
    c.call(c.queue, "complete", { jobId: job.id, workerId, leaseId: job.leaseId }).then(() => completed.push(job.id), () => {});
  });
  return { completed, stop: () => stream.cancel() };
}

for (const kind of await databaseKinds()) {
  describe(`gRPC batching (${kind})`, () => {
    let s: TestServer;
    let c: GrpcClients;
    let key: string;
    beforeAll(async () => {
      s = await startTestServer(kind);
      key = (await s.newOrg()).key;
      c = grpcClients(`127.0.0.1:${grpcPortOf(s)}`, key);
    });
    afterAll(async () => {
      c?.close();
      await s?.stop();
    });

    test("group-committed enqueues keep idempotency keys race-free, and a refused create fails only itself", async () => {
      const rest = s.client(key);
      const calls = Array.from({ length: 64 }, (_, i) =>
        c.call(c.queue, "enqueue", { queueName: "idem", payload: toStruct({ i }), ...(i % 4 === 3 ? {} : { idempotencyKey: `key-${i % 8}` }) }),
      );
      const refused = rest.post("/api/v1/jobs", { queue_name: "idem", payload: {}, parent_job_id: crypto.randomUUID() });
      const answers = await Promise.all(calls);
      expect((await refused).status).toBe(400);
      const byKey = new Map<string, any[]>();
      answers.forEach((a, i) => {
        if (i % 4 === 3) return expect(a.created).toBe(true);
        const k = `key-${i % 8}`;
        byKey.set(k, [...(byKey.get(k) ?? []), a]);
      });
      // key-3 and key-7 land only on i % 4 === 3 (keyless), so six keys are used.
      expect(byKey.size).toBe(6);
      for (const group of byKey.values()) {
        expect(new Set(group.map((a) => a.jobId)).size).toBe(1);
        expect(group.filter((a) => a.created)).toHaveLength(1);
      }
      const stats = await c.call(c.queue, "getQueueStats", { queueName: "idem" });
      expect(stats.pending).toBe(String(6 + 16));
    });

    test("settlements booked together answer each caller: stale lease and wrong worker refused, the rest complete", async () => {
      const ids = await Promise.all([0, 1, 2, 3].map(async (i) => (await c.call(c.queue, "enqueue", { queueName: "stale", payload: toStruct({ i }) })).jobId));
      const stream = c.queue.streamJobs({ queueName: "stale", workerId: "holder" }, metadataWith({ "x-api-key": key, "x-spindle-prefetch": "4" }));
      stream.on("error", () => {});
      const jobs = await nextMessages<any>(stream, 4);
      expect(jobs.map((j) => j.id).sort()).toEqual([...ids].sort());
      const [expired, fenced, stolen, fine] = jobs;
      await s.db.query("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1", [expired.id]);
      const results = await Promise.allSettled([
        c.call(c.queue, "complete", { jobId: expired.id, workerId: "holder", leaseId: expired.leaseId }),
        c.call(c.queue, "complete", { jobId: fenced.id, workerId: "holder", leaseId: crypto.randomUUID() }),
        c.call(c.queue, "complete", { jobId: stolen.id, workerId: "intruder" }),
        c.call(c.queue, "complete", { jobId: fine.id, workerId: "holder", leaseId: fine.leaseId }),
      ]);
      const codes = results.map((r) => (r.status === "fulfilled" ? "ok" : (r.reason as grpc.ServiceError).code));
      // The expired lease is refused as stale, or as not found once the lease reaper (200 ms here) took the job back.
      expect([grpc.status.FAILED_PRECONDITION, grpc.status.NOT_FOUND] as unknown[]).toContain(codes[0]);
      expect(codes.slice(1)).toEqual([grpc.status.FAILED_PRECONDITION, grpc.status.NOT_FOUND, "ok"]);
      const status = async (id: string) => (await c.call(c.queue, "getJob", { jobId: id })).job.status;
      expect(await status(fine.id)).toBe("JOB_STATUS_COMPLETED");
      for (const j of [fenced, stolen]) expect(await status(j.id)).toBe("JOB_STATUS_PROCESSING");
      expect(["JOB_STATUS_PROCESSING", "JOB_STATUS_PENDING"]).toContain(await status(expired.id));
      stream.cancel();
    });

    test("a stream with a prefetch never holds more jobs than it asked for, and gets more as it settles", async () => {
      for (let i = 0; i < 10; i++) await c.call(c.queue, "enqueue", { queueName: "capped", payload: toStruct({ i }) });
      const capped = c.queue.streamJobs({ queueName: "capped", workerId: "capped-w" }, metadataWith({ "x-api-key": key, "x-spindle-prefetch": "3" }));
      capped.on("error", () => {});
      const received: any[] = [];
      capped.on("data", (j: any) => received.push(j));
      await eventually(async () => received.length, (n) => n === 3);
      // Another worker drains the rest: the feed went round several times meanwhile, and the capped one got none.
      const other = completingWorker(c, key, "capped", "free-w");
      await eventually(async () => other.completed.length, (n) => n === 7);
      expect(received).toHaveLength(3);
      const held = await c.call(c.queue, "getQueueStats", { queueName: "capped" });
      expect(held.processing).toBe("3");

      // Settling one frees one slot: exactly one more arrives once there is work.
      await c.call(c.queue, "enqueue", { queueName: "capped", payload: toStruct({ late: true }) });
      other.stop();
      await eventually(() => c.call(c.queue, "getQueueStats", { queueName: "capped" }), (st: any) => st.pending === "1" || st.completed === "8");
      await c.call(c.queue, "complete", { jobId: received[0].id, workerId: "capped-w" });
      const stats = await eventually(() => c.call(c.queue, "getQueueStats", { queueName: "capped" }), (st: any) => st.pending === "0");
      expect(Number(stats.processing)).toBeLessThanOrEqual(3);
      capped.cancel();
    });

    test("a pipelined ProcessJobs stream gets its replies in order, and a settlement never overtakes the dequeue before it", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await c.call(c.queue, "enqueue", { queueName: "piped", payload: toStruct({ i }) })).jobId);
      const call = c.queue.processJobs(c.metadata);
      call.on("error", () => {});
      const replies = nextMessages<any>(call, 12);
      // Six dequeues and, right behind them, completions of the six ids (known from the enqueues), unanswered yet.
      for (let i = 0; i < 6; i++) call.write({ dequeue: { queueName: "piped", workerId: "pipe-w" } });
      for (const id of ids) call.write({ complete: { jobId: id, workerId: "pipe-w" } });
      const got = await replies;
      expect(got.slice(0, 6).map((r) => r.response)).toEqual(Array(6).fill("job"));
      expect(new Set(got.slice(0, 6).map((r) => r.job.id))).toEqual(new Set(ids));
      expect(got.slice(6).map((r) => [r.response, r.complete?.success])).toEqual(Array(6).fill(["complete", true]));
      call.end();
    });

    test("ProcessJobs dequeues of many workers share claims and each gets its own job", async () => {
      for (let i = 0; i < 8; i++) await c.call(c.queue, "enqueue", { queueName: "bidi-batch", payload: toStruct({ i }) });
      const calls = Array.from({ length: 10 }, () => c.queue.processJobs(c.metadata));
      const replies = await Promise.all(
        calls.map(async (call: any, w: number) => {
          call.on("error", () => {});
          const reply = nextMessages<any>(call, 1);
          call.write({ dequeue: { queueName: "bidi-batch", workerId: `pb-${w}` } });
          return (await reply)[0];
        }),
      );
      const jobs = replies.filter((r) => r.response === "job").map((r) => r.job);
      expect(new Set(jobs.map((j) => j.id)).size).toBe(8);
      expect(replies.filter((r) => r.response === "error").map((r) => r.error.code)).toEqual(["NO_JOBS", "NO_JOBS"]);
      for (const call of calls) call.end();
    });
  });
}

describe.skipIf(!(await postgresAvailable()))("gRPC batching across two nodes (postgres)", () => {
  let a: TestServer;
  let b: RunningServer;
  let closeB: () => Promise<void>;
  beforeAll(async () => {
    a = await startTestServer("postgres");
    const dbB = openPostgres(a.databaseUrl!, 10);
    b = await startServer(loadConfig({ HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_QUIET: "true", SPINDLE_QUOTAS: "off" }), { db: dbB });
    closeB = async () => {
      await b.stop();
      await dbB.close();
    };
  });
  afterAll(async () => {
    await closeB?.();
    await a?.stop();
  });

  test("2 nodes x 32 streaming workers complete every job exactly once; a worker killed mid-batch gives its jobs back", async () => {
    const { key } = await a.newOrg();
    const addrA = `127.0.0.1:${grpcPortOf(a)}`;
    const addrB = `127.0.0.1:${b.grpc!.port}`;
    const ca = grpcClients(addrA, key);
    const cb = grpcClients(addrB, key);
    const TOTAL = 1500;
    for (let i = 0; i < TOTAL / 100; i++) {
      const r = await a.client(key).post("/api/v1/jobs/bulk", { queue_name: "cluster", jobs: Array.from({ length: 100 }, (_, k) => ({ payload: { n: i * 100 + k } })) });
      expect(r.body.success_count).toBe(100);
    }

    // The victim takes a batch of 20 and dies without settling any.
    const victim = Bun.spawn([process.execPath, "tests/helpers/grpc-stream-child.ts", addrA, key, "cluster", "victim", "20"], { stdout: "pipe", stderr: "ignore" });
    const victimJobs: string[] = [];
    void forEachLine(victim.stdout, (line) => line.startsWith("{") && victimJobs.push(JSON.parse(line).id));
    await eventually(async () => victimJobs.length, (n) => n === 20);
    victim.kill("SIGKILL");

    // Half the workers ask for a prefetch of 4, half take one job at a time; each settles on its own node.
    const workers = Array.from({ length: 64 }, (_, w) => completingWorker(w < 32 ? ca : cb, key, "cluster", `cw-${w}`, w % 2 === 0 ? 4 : undefined));
    await eventually(async () => workers.reduce((n, w) => n + w.completed.length, 0), (n) => n === TOTAL, 120_000, 100);
    for (const w of workers) w.stop();

    const all = workers.flatMap((w) => w.completed);
    expect(new Set(all).size).toBe(TOTAL);
    for (const id of victimJobs) expect(all).toContain(id);
    const [row] = await a.db.query<{ completed: number; events: number; max_per_job: number }>(
      `SELECT (SELECT count(*)::int FROM jobs WHERE queue_name = 'cluster' AND status = 'completed') AS completed,
              (SELECT count(*)::int FROM job_events WHERE queue_name = 'cluster' AND event = 'completed') AS events,
              (SELECT max(n)::int FROM (SELECT count(*) AS n FROM job_events WHERE queue_name = 'cluster' AND event = 'completed' GROUP BY job_id) x) AS max_per_job`,
    );
    expect(row).toEqual({ completed: TOTAL, events: TOTAL, max_per_job: 1 });
    ca.close();
    cb.close();
  }, 180_000);
});
