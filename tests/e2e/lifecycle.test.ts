import { describe, test, expect, afterEach } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSpindle, type SpindleProcess } from "../helpers/process";
import { databaseKinds, freshDatabase } from "../helpers/databases";
import { grpcClients, nextMessages, toStruct, type GrpcClients } from "../helpers/grpc";
import { eventually } from "../helpers/eventually";

/** Crash-only lifecycle (issue 12): a real server process, real signals, its database inspected after a restart. */
const ROOT = join(import.meta.dir, "../..");

for (const kind of await databaseKinds()) {
  describe(`shutting down on a signal, and crashing (${kind})`, () => {
    const cleanups: (() => Promise<unknown> | unknown)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    /** A database for one test: a fresh data dir or PostgreSQL database that outlives the processes using it. */
    async function database(): Promise<Record<string, string>> {
      if (kind === "pglite") {
        const dir = mkdtempSync(join(tmpdir(), "spindle-lifecycle-"));
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
        return { SPINDLE_DATA_DIR: dir };
      }
      const fresh = await freshDatabase("postgres");
      await fresh.db.close();
      cleanups.push(() => fresh.dispose().catch(() => {}));
      return { DATABASE_URL: fresh.url! };
    }

    async function start(db: Record<string, string>, env: Record<string, string> = {}, preload: string[] = []) {
      const p = await spawnSpindle(["bun", ...preload, "src/main.ts", "serve"], { cwd: ROOT, env: { ...db, ...env }, startupMs: 120_000 });
      cleanups.push(() => p.stop().catch(() => {}));
      return p;
    }

    const grpcPortOf = (p: SpindleProcess) =>
      Number(p.stdout.map((l) => /\[grpc\] listening on port (\d+)/.exec(l)?.[1] ?? /"component":"grpc","msg":"listening on port (\d+)/.exec(l)?.[1]).find(Boolean));

    async function orgWithJob(p: SpindleProcess, queue: string) {
      const org = await (await fetch(`${p.url}/api/v1/organizations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Drain", slug: `drain-${Date.now()}` }) })).json();
      const key = org.api_key.key as string;
      const job = await (await fetch(`${p.url}/api/v1/jobs`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ queue_name: queue, payload: { n: 1 } }) })).json();
      return { key, jobId: job.id as string };
    }

    /** A gRPC ProcessJobs worker on the process holding the job it dequeued. */
    async function streamWorkerHolding(p: SpindleProcess, key: string, queue: string) {
      const c: GrpcClients = grpcClients(`127.0.0.1:${grpcPortOf(p)}`, key);
      cleanups.push(() => c.close());
      const call = c.queue.processJobs(c.metadata);
      call.on("error", () => {});
      const ask = async (req: object) => {
        const reply = nextMessages(call, 1);
        call.write(req);
        return (await reply)[0];
      };
      const got = await ask({ dequeue: { queueName: queue, workerId: "stream-worker" } });
      expect(got.response).toBe("job");
      return { job: got.job, ask };
    }

    async function jobsAfterRestart(db: Record<string, string>, key: string, jobIds: string[]) {
      const again = await start(db);
      return Promise.all(jobIds.map(async (id) => (await fetch(`${again.url}/api/v1/jobs/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()));
    }
    const jobAfterRestart = async (db: Record<string, string>, key: string, jobId: string) => (await jobsAfterRestart(db, key, [jobId]))[0];

    test("SIGTERM: a waiting claim answers empty, the stream worker finishes its job, the process exits 0", async () => {
      const db = await database();
      const p = await start(db, { SPINDLE_SHUTDOWN_GRACE_SECS: "60" });
      const { key, jobId } = await orgWithJob(p, "drain");
      const worker = await streamWorkerHolding(p, key, "drain");
      // Work the draining node must leave for others: its stream workers' claims (batched per queue) get nothing.
      const left = await (await fetch(`${p.url}/api/v1/jobs`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ queue_name: "drain", payload: { n: 2 } }) })).json();
      const waiting = fetch(`${p.url}/api/v1/jobs/claim`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ queue_name: "empty", worker_id: "rest-worker", wait_ms: 30_000 }),
      });
      await Bun.sleep(200); // let the claim start waiting (it answers empty either way)

      p.proc.kill("SIGTERM");
      const answer = await waiting;
      expect(answer.status).toBe(200);
      expect((await answer.json()).jobs).toEqual([]);
      // Draining: the stream still answers, leases nothing new, and the held job completes.
      expect(await worker.ask({ dequeue: { queueName: "drain", workerId: "stream-worker" } })).toMatchObject({ response: "error", error: { code: "NO_JOBS" } });
      expect(await worker.ask({ complete: { jobId, workerId: "stream-worker", result: toStruct({ ok: true }) } })).toMatchObject({ response: "complete", complete: { success: true } });
      expect(await p.exited).toBe(0);
      expect(p.stdout.join("\n")).toContain("shutting down");
      const [done, untouched] = await jobsAfterRestart(db, key, [jobId, left.id]);
      expect(done).toMatchObject({ status: "completed" });
      expect(untouched).toMatchObject({ status: "pending", retry_count: 0 });
    });

    test("grace runs out: the job the stream worker could not finish goes back to pending uncounted, exit 0", async () => {
      const db = await database();
      const p = await start(db, { SPINDLE_SHUTDOWN_GRACE_SECS: "1" });
      const { key, jobId } = await orgWithJob(p, "slow");
      await streamWorkerHolding(p, key, "slow");
      p.proc.kill("SIGTERM");
      expect(await p.exited).toBe(0);
      expect(p.stdout.join("\n")).toContain("grace period over");
      expect(await jobAfterRestart(db, key, jobId)).toMatchObject({ status: "pending", retry_count: 0 });
    });

    test("a second signal exits at once, non-zero", async () => {
      const db = await database();
      const p = await start(db, { SPINDLE_SHUTDOWN_GRACE_SECS: "600" });
      const { key } = await orgWithJob(p, "held");
      await streamWorkerHolding(p, key, "held");
      p.proc.kill("SIGTERM");
      await eventually(async () => p.stdout.join("\n"), (out) => out.includes("shutting down"));
      p.proc.kill("SIGINT");
      expect(await p.exited).toBe(1);
      expect(p.stderr.join("\n")).toContain("second signal");
    });

    test("JSON_LOGS=true: every line the process writes is one JSON event with level and component, without secrets", async () => {
      const secrets = { ADMIN_API_KEY: "admin-secret-value-that-must-not-leak", JWT_SECRET: "jwt-secret-value-that-must-not-leak-0123456789" };
      const p = await start(await database(), { JSON_LOGS: "true", SPINDLE_SHUTDOWN_GRACE_SECS: "1", ...secrets });
      const { key } = await orgWithJob(p, "logged");
      await streamWorkerHolding(p, key, "logged");
      p.proc.kill("SIGTERM");
      expect(await p.exited).toBe(0);
      const lines = [...p.stdout, ...p.stderr].filter((l) => l.trim() !== "");
      const events = lines.map((l) => JSON.parse(l));
      for (const e of events) expect(e).toMatchObject({ ts: expect.any(String), level: expect.stringMatching(/^(debug|info|warn|error)$/), msg: expect.any(String) });
      expect(events.find((e) => e.url)).toMatchObject({ level: "info", url: p.url, mode: "development" });
      expect(events.find((e) => e.component === "lifecycle" && e.signal === "SIGTERM")).toBeDefined();
      expect(events.find((e) => e.component === "grpc")).toBeDefined();
      const out = lines.join("\n");
      for (const secret of [...Object.values(secrets), key]) expect(out).not.toContain(secret);
    });

    for (const crash of ["exception", "rejection"]) {
      test(`an unhandled ${crash} is logged and ends the process non-zero`, async () => {
        const p = await start(await database(), { CRASH_KIND: crash }, ["--preload", "./tests/helpers/crash-on-signal.ts"]);
        p.proc.kill("SIGUSR2");
        expect(await p.exited).toBe(70);
        expect(p.stderr.join("\n")).toContain(crash === "exception" ? "uncaught exception: exiting" : "unhandled rejection: exiting");
      });
    }
  });
}
