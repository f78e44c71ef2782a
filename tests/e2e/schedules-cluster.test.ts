import { describe, test, expect, afterAll } from "bun:test";
import { createPostgresDatabase, postgresAvailable } from "../helpers/databases";
import { Client } from "../helpers/server";
import { eventually } from "../helpers/eventually";
import { startNode } from "../helpers/nodes";

const havePostgres = await postgresAvailable();

describe("two server processes on one PostgreSQL", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  test.skipIf(!havePostgres)("run the same every-second schedule: exactly one job per tick, and a node's death loses no fire", async () => {
    const { url: databaseUrl, drop } = await createPostgresDatabase();
    cleanups.push(drop);
    const starting = [startNode(databaseUrl, { SPINDLE_SCHEDULER_INTERVAL_MS: "100" }), startNode(databaseUrl, { SPINDLE_SCHEDULER_INTERVAL_MS: "100" })];
    // Each node is killed afterwards even when the other one failed to start.
    for (const n of starting) cleanups.push(async () => (await n).proc.kill("SIGKILL"));
    const nodes = await Promise.all(starting);
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
