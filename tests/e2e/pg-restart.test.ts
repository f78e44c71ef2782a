import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { resolve } from "node:path";
import postgres from "postgres";
import { findPostgresBin, startPrivatePostgres, type PrivatePostgres } from "../helpers/private-postgres";
import { spawnSpindle, type SpindleProcess } from "../helpers/process";

const repo = resolve(import.meta.dir, "../..");
const pgBin = findPostgresBin();
if (!pgBin) console.log("pg-restart: no PostgreSQL server binaries (initdb) found — PostgreSQL restart test skipped");

const REQUEST_TIMEOUT_MS = 15_000;
const QUEUE = "restart-load";

interface Outcome {
  status: number;
  body: any;
}

/** Every request the load makes, classified: a hang or any 5xx other than our 503 envelope is a failure. */
class Traffic {
  unexpected: string[] = [];
  unavailable = 0;
  ok = 0;

  constructor(private base: string, private key: string) {}

  async call(method: string, path: string, body?: unknown): Promise<Outcome | undefined> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: { "content-type": "application/json", authorization: `Bearer ${this.key}` },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      this.unexpected.push(`${method} ${path}: no answer (${(err as Error).name}: ${(err as Error).message})`);
      return undefined;
    }
    const text = await res.text();
    let parsed: any;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (res.status === 503) {
      if (parsed?.code === "SERVICE_UNAVAILABLE" && typeof parsed.message === "string" && res.headers.get("retry-after")) this.unavailable++;
      else this.unexpected.push(`${method} ${path}: 503 without the JSON envelope: ${text.slice(0, 200)}`);
      return { status: 503, body: parsed };
    }
    if (res.status >= 500) this.unexpected.push(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    else if (res.status < 300) this.ok++;
    return { status: res.status, body: parsed };
  }
}

describe.skipIf(!pgBin)("the server survives its PostgreSQL restarting under load", () => {
  let pg: PrivatePostgres;
  let server: SpindleProcess;

  beforeAll(async () => {
    pg = await startPrivatePostgres(pgBin!);
    server = await spawnSpindle([process.execPath, "src/main.ts", "serve"], {
      cwd: repo,
      // Quotas off: a free-plan organization may hold only a few active jobs, and this test is about the database.
      env: { DATABASE_URL: pg.url, SPINDLE_REAPER_INTERVAL_MS: "200", DATABASE_POOL_SIZE: "8", SPINDLE_QUOTAS: "off" },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await pg?.destroy();
  });

  test("requests fail with a clear 503 during the outage, the process stays up and recovers, no job is lost or completed twice", async () => {
    const org = await fetch(`${server.url}/api/v1/organizations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Restart Org", slug: "restart-org" }),
    }).then((r) => r.json() as Promise<any>);
    const traffic = new Traffic(server.url, org.api_key.key);

    const created = new Set<string>();
    const completions = new Map<string, number>();
    let stopLoad = false;

    const claimAndComplete = async (worker: string, limit: number, leaseSecs = 5) => {
      const claim = await traffic.call("POST", "/api/v1/jobs/claim", { queue_name: QUEUE, worker_id: worker, limit, lease_duration_secs: leaseSecs });
      if (claim?.status !== 200) {
        if (claim && claim.status !== 503) traffic.unexpected.push(`claim answered ${claim.status}`);
        return -1;
      }
      for (const job of claim.body.jobs) {
        const done = await traffic.call("POST", `/api/v1/jobs/${job.id}/complete`, { worker_id: worker, lease_id: job.lease_id });
        if (done?.status === 200) completions.set(job.id, (completions.get(job.id) ?? 0) + 1);
        // 404/409 are legitimate here: the lease ran out while the database was away and another worker has the job.
        else if (done && ![404, 409, 503].includes(done.status)) traffic.unexpected.push(`complete answered ${done.status}`);
      }
      return claim.body.jobs.length;
    };

    const worker = async (w: number) => {
      for (let n = 0; !stopLoad; n++) {
        // Every lease that runs out while the database is away spends an attempt; on a slow machine a job can lose
        // several, and this test is about losing no job, not about the retry limit.
        const r = await traffic.call("POST", "/api/v1/jobs", { queue_name: QUEUE, payload: { w, n }, max_retries: 100 });
        if (r?.status === 201) created.add(r.body.id);
        else if (r && r.status !== 503) traffic.unexpected.push(`create answered ${r.status}`);
        await claimAndComplete(`load-${w}`, 3);
      }
    };
    const waitFor = async (what: string, check: () => boolean | Promise<boolean>, ms = 60_000, state: () => Promise<string> = async () => "") => {
      const deadline = Date.now() + ms;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ok=${traffic.ok} 503s=${traffic.unavailable} unexpected=${JSON.stringify(traffic.unexpected.slice(0, 5))} ${await state()}\nstdout:\n${server.stdout.slice(-40).join("\n")}\nstderr:\n${server.stderr.slice(-10).join("\n")}`);
        await Bun.sleep(50);
      }
    };

    const load = Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));

    // 1. A fast restart in the middle of the load.
    await waitFor("load to get going", () => completions.size >= 100);
    await pg.restart();
    const afterRestart = completions.size;
    await waitFor("the server to recover after the restart", () => completions.size >= afterRestart + 100);

    // 2. An outage long enough to observe: every request meanwhile is a 503 with the JSON envelope, never a hang.
    await pg.stop();
    const before = traffic.unavailable;
    await waitFor("requests to fail during the outage", () => traffic.unavailable >= before + 20, 30_000);
    const probe = await traffic.call("GET", `/api/v1/jobs?queue_name=${QUEUE}`);
    expect(probe?.status).toBe(503);
    expect(probe?.body).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    const ready = await fetch(`${server.url}/health/ready`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    expect(ready.status).toBe(503);
    await pg.start();
    const afterStart = completions.size;
    await waitFor("the server to recover after the outage", () => completions.size >= afterStart + 100);

    stopLoad = true;
    await load;

    // Drain: jobs whose claim answer was lost come back when their 5 s lease runs out.
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      await waitFor(
        "every job to be completed",
        async () => {
          // A long lease: the drainer's own leases must not run out while it completes its batch on a slow machine.
          const got = await claimAndComplete("drainer", 100, 300);
          if (got > 0) return false;
          const [left] = await sql`SELECT count(*)::int AS n FROM jobs WHERE status <> 'completed'`;
          return left!.n === 0;
        },
        60_000,
        async () => {
          const left = await sql`SELECT status, count(*)::int AS n, min(lease_expires_at) AS lease, min(scheduled_at) AS due, now() AS now FROM jobs WHERE status <> 'completed' GROUP BY status`;
          return `left=${JSON.stringify(left)}`;
        },
      );

      expect(traffic.unexpected).toEqual([]);
      expect(traffic.unavailable).toBeGreaterThan(0);
      expect(server.proc.exitCode).toBeNull();
      expect(server.stderr.filter((l) => /uncaught|unhandled/i.test(l))).toEqual([]);
      expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);

      const jobs = await sql`SELECT id, status FROM jobs`;
      const status = new Map(jobs.map((j) => [j.id as string, j.status as string]));
      expect([...created].filter((id) => status.get(id) !== "completed")).toEqual([]);
      expect([...completions.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      const twice = await sql`SELECT job_id, count(*)::int AS n FROM job_events WHERE event = 'completed' GROUP BY job_id HAVING count(*) <> 1`;
      expect([...twice]).toEqual([]);
      const [{ n: completedEvents }] = await sql`SELECT count(DISTINCT job_id)::int AS n FROM job_events WHERE event = 'completed'`;
      expect(completedEvents).toBe(jobs.length);
      expect(created.size).toBeGreaterThan(200);
    } finally {
      await sql.end({ timeout: 2 });
    }
  });
});
