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

  test.skipIf(!havePostgres)("both nodes down across ticks, both back: catch_up all fires every missed tick exactly once cluster-wide", async () => {
    const { url: databaseUrl, drop } = await createPostgresDatabase();
    cleanups.push(drop);
    const env = { SPINDLE_SCHEDULER_INTERVAL_MS: "100", SPINDLE_LEADER_CHECK_MS: "100" };
    const startBoth = async () => {
      const starting = [startNode(databaseUrl, env), startNode(databaseUrl, env)];
      for (const n of starting) cleanups.push(async () => (await n).proc.kill("SIGKILL"));
      return Promise.all(starting);
    };
    const stopBoth = async (nodes: { proc: { kill: (s?: any) => void; exited: Promise<number> } }[]) => {
      for (const n of nodes) n.proc.kill("SIGTERM");
      await Promise.all(nodes.map((n) => n.proc.exited));
    };
    let nodes = await startBoth();
    const org = await new Client(nodes[0]!.url).post("/api/v1/organizations", { name: "Catch-up org", slug: "catch-up-org" });
    const key = org.body.api_key.key;
    const sched = await new Client(nodes[0]!.url, key).post("/api/v1/schedules", {
      name: "replay", queue_name: "replay", cron_expression: "* * * * * *", payload_template: {}, catch_up: "all", catch_up_window_secs: 600,
    });
    expect(sched.status).toBe(201);
    const history = async (url: string) => (await new Client(url, key).get(`/api/v1/schedules/${sched.body.id}/history?limit=500`)).body as any[];
    await eventually(() => history(nodes[1]!.url), (runs) => runs.length >= 2);

    await stopBoth(nodes);
    const downAt = Date.now();
    await Bun.sleep(4000); // the cluster is down across about four ticks
    nodes = await startBoth();
    const upAt = Date.now();
    await eventually(() => history(nodes[1]!.url), (runs) => runs.some((r) => Date.parse(r.scheduled_for) > upAt + 1000));
    await new Client(nodes[1]!.url, key).post(`/api/v1/schedules/${sched.body.id}/pause`);

    const ticks = (await history(nodes[0]!.url)).map((r) => Date.parse(r.scheduled_for)).sort((a, b) => a - b);
    expect(new Set(ticks).size).toBe(ticks.length);
    // Every second from the first tick to the last is there once: the down time left no hole and no double.
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBe(1000);
    expect(ticks.filter((t) => t > downAt && t < upAt).length).toBeGreaterThanOrEqual(3);
    const jobs = (await new Client(nodes[0]!.url, key).get("/api/v1/jobs?queue_name=replay&limit=100")).body as any[];
    expect(jobs.length).toBe(ticks.length);
  });
});
