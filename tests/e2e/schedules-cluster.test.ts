import { describe, test, expect, afterAll } from "bun:test";
import type { Subprocess } from "bun";
import { createPostgresDatabase, postgresAvailable } from "../helpers/databases";
import { Client } from "../helpers/server";
import { eventually } from "../helpers/eventually";

/** A real `spindle serve` process on its own free port; resolves once it prints where it listens. */
async function startNode(databaseUrl: string): Promise<{ proc: Subprocess; url: string }> {
  const proc = Bun.spawn([process.execPath, "src/main.ts", "serve"], {
    cwd: `${import.meta.dir}/../..`,
    env: { ...process.env, DATABASE_URL: databaseUrl, HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_SCHEDULER_INTERVAL_MS: "100", SPINDLE_QUIET: "true" },
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let seen = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`node exited before listening: ${seen}`);
    seen += new TextDecoder().decode(value);
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
    if (m) {
      // Keep draining stdout so the child never blocks on a full pipe.
      void (async () => {
        while (!(await reader.read()).done) {}
      })().catch(() => {});
      return { proc, url: m[1]! };
    }
  }
}

const havePostgres = await postgresAvailable();

describe("two server processes on one PostgreSQL", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  test.skipIf(!havePostgres)("run the same every-second schedule: exactly one job per tick, and a node's death loses no fire", async () => {
    const { url: databaseUrl, drop } = await createPostgresDatabase();
    cleanups.push(drop);
    const nodes = await Promise.all([startNode(databaseUrl), startNode(databaseUrl)]);
    for (const n of nodes) cleanups.push(async () => n.proc.kill("SIGKILL"));
    const [a, b] = nodes;

    const org = await new Client(a!.url).post("/api/v1/organizations", { name: "Cluster org", slug: "cluster-org" });
    expect(org.status).toBe(201);
    const onA = new Client(a!.url, org.body.api_key.key);
    const onB = new Client(b!.url, org.body.api_key.key);
    const sched = await onA.post("/api/v1/schedules", { name: "tick", queue_name: "cluster", cron_expression: "* * * * * *", payload_template: {} });
    expect(sched.status).toBe(201);
    const history = async () => (await onB.get(`/api/v1/schedules/${sched.body.id}/history?limit=500`)).body as any[];

    await eventually(history, (runs) => runs.length >= 5);

    // Node A dies without a goodbye; node B keeps firing ticks planned after A's death.
    a!.proc.kill("SIGKILL");
    await a!.proc.exited;
    const killedAt = Date.now();
    await eventually(history, (runs) => runs.some((r) => Date.parse(r.scheduled_for) > killedAt + 1000));
    expect((await onB.post(`/api/v1/schedules/${sched.body.id}/pause`)).status).toBe(200);

    const runs = await history();
    const ticks = runs.map((r) => r.scheduled_for);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(runs.every((r) => r.status === "completed" && r.job_id)).toBe(true);
    const jobs = (await onB.get("/api/v1/jobs?queue_name=cluster&limit=100")).body as any[];
    expect(jobs.length).toBe(runs.length);
    expect(jobs.map((j) => j.id).sort()).toEqual(runs.map((r) => r.job_id).sort());
    expect((await onB.get(`/api/v1/schedules/${sched.body.id}`)).body.run_count).toBe(runs.length);
  });
});
