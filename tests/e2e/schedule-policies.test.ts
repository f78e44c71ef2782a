import { describe, test, expect } from "bun:test";
import { databaseKinds, freshDatabase } from "../helpers/databases";
import { Client } from "../helpers/server";
import { eventually } from "../helpers/eventually";
import { loadConfig } from "../../src/config";
import { startServer, type RunningServer } from "../../src/server";
import type { Db } from "../../src/db/types";

const config = loadConfig({
  HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_QUIET: "true", SPINDLE_QUOTAS: "off",
  SPINDLE_SCHEDULER_INTERVAL_MS: "100", SPINDLE_LEADER_CHECK_MS: "100",
});
// A tick at most this late is on time (2 x the scheduler interval, at least 1 s): docs/schedules.md.
const GRACE_MS = 1000;
const dbNow = async (db: Db) => new Date((await db.query<{ now: Date }>("SELECT now() AS now"))[0]!.now);

for (const kind of await databaseKinds()) {
  describe(`cron catch-up, overlap and jitter policies (${kind})`, () => {
    test("after the server was down across ticks, each catch_up policy decides exactly which missed ticks make a job", async () => {
      const { db, dispose } = await freshDatabase(kind);
      let server: RunningServer = await startServer(config, { db });
      try {
        const org = await new Client(server.url).post("/api/v1/organizations", { name: "Cron", slug: `cron-${Date.now()}` });
        let api = new Client(server.url, org.body.api_key.key);
        const make = async (name: string, body: Record<string, unknown>) => {
          const r = await api.post("/api/v1/schedules", { name, queue_name: `q-${name}`, cron_expression: "* * * * * *", payload_template: {}, ...body });
          expect(r.status).toBe(201);
          return r.body;
        };
        const skip = await make("skip", { catch_up: "skip" });
        const latest = await make("latest", { catch_up: "latest" });
        const all = await make("all", { catch_up: "all", catch_up_window_secs: 3600 });
        const windowed = await make("windowed", { catch_up: "all", catch_up_window_secs: 3 });
        expect(all).toMatchObject({ catch_up: "all", catch_up_window_secs: 3600, overlap: "allow", jitter_secs: 0 });
        const history = async (id: string) => (await api.get(`/api/v1/schedules/${id}/history?limit=500`)).body as any[];
        for (const s of [skip, latest, all, windowed]) await eventually(() => history(s.id), (runs) => runs.length >= 1);

        await server.stop();
        const planned = new Map((await db.query<{ id: string; next_run_at: Date }>("SELECT id, next_run_at FROM schedules")).map((r) => [r.id, new Date(r.next_run_at)]));
        // Down across several ticks: no node runs, the database clock moves on.
        await eventually(() => dbNow(db), (now) => +now > Math.max(...[...planned.values()].map(Number)) + 5000, 20_000, 100);
        const restartedAt = await dbNow(db);
        server = await startServer(config, { db });
        api = new Client(server.url, org.body.api_key.key);
        for (const s of [skip, latest, all, windowed]) await eventually(() => history(s.id), (runs) => runs.some((r) => Date.parse(r.scheduled_for) > +restartedAt + 1000));

        // The runs of the ticks between the planned one and the restart, with the instant of the catch-up pass.
        const caughtUp = async (id: string) => (await history(id)).filter((r) => Date.parse(r.scheduled_for) >= +planned.get(id)! && Date.parse(r.scheduled_for) <= +restartedAt);
        const secondsBetween = (from: number, to: number) => {
          const out: string[] = [];
          for (let t = Math.ceil(from / 1000) * 1000; t <= to; t += 1000) out.push(new Date(t).toISOString());
          return out;
        };

        // latest: one job for everything missed, keyed by the planned tick.
        const latestRuns = await caughtUp(latest.id);
        expect(latestRuns.map((r) => r.scheduled_for)).toEqual([planned.get(latest.id)!.toISOString()]);

        // skip: no missed tick fired; at most the tick that was on time at the first pass.
        for (const r of await caughtUp(skip.id)) expect(Date.parse(r.scheduled_for)).toBeGreaterThanOrEqual(Date.parse(r.started_at) - GRACE_MS);
        expect((await caughtUp(skip.id)).length).toBeLessThanOrEqual(1);

        // all: every missed tick exactly once, from the planned one to the catch-up pass.
        const allRuns = await caughtUp(all.id);
        const pass = Date.parse(allRuns[0]!.started_at);
        expect(allRuns.map((r) => r.scheduled_for).sort()).toEqual(secondsBetween(+planned.get(all.id)!, Math.min(pass, +restartedAt)));

        // all within 3 s: only the ticks at most 3 s before its pass.
        const windowedRuns = await caughtUp(windowed.id);
        const windowedPass = Date.parse(windowedRuns[0]!.started_at);
        expect(windowedRuns.map((r) => r.scheduled_for).sort()).toEqual(secondsBetween(windowedPass - 3000, +restartedAt));

        // One job per run and one run per job. The schedules still tick every second, so read jobs, runs, jobs:
        // the runs hold every job read before them, and every job of a run is there when read after them.
        for (const s of [skip, latest, all, windowed]) {
          const jobIds = async () => ((await api.get(`/api/v1/jobs?queue_name=q-${s.name}&limit=100`)).body as any[]).map((j) => j.id as string);
          const jobsBefore = await jobIds();
          const runs = await history(s.id);
          const jobsAfter = await jobIds();
          expect(new Set(runs.map((r) => r.scheduled_for)).size).toBe(runs.length);
          const runJobs = runs.filter((r) => r.job_id).map((r) => r.job_id as string);
          expect(new Set(runJobs).size).toBe(runJobs.length);
          expect(runJobs).toEqual(expect.arrayContaining(jobsBefore));
          expect(jobsAfter).toEqual(expect.arrayContaining(runJobs));
        }
      } finally {
        await server.stop();
        await dispose();
      }
    });

    test("overlap skip, overlap cancel_previous and jitter", async () => {
      const { db, dispose } = await freshDatabase(kind);
      const server = await startServer(config, { db });
      try {
        const org = await new Client(server.url).post("/api/v1/organizations", { name: "Overlap", slug: `overlap-${Date.now()}` });
        const api = new Client(server.url, org.body.api_key.key);
        const make = async (name: string, body: Record<string, unknown>) =>
          (await api.post("/api/v1/schedules", { name, queue_name: name, cron_expression: "* * * * * *", payload_template: {}, ...body })).body;
        const history = async (id: string) => (await api.get(`/api/v1/schedules/${id}/history?limit=500`)).body as any[];
        const jobs = async (queue: string) => (await api.get(`/api/v1/jobs?queue_name=${queue}&limit=100`)).body as any[];

        const single = await make("single", { overlap: "skip" });
        const fresh = await make("fresh", { overlap: "cancel_previous" });
        const spread = await make("spread", { jitter_secs: 600 });

        // skip: while the first job waits, later ticks are recorded as skipped and make no job.
        let runs = await eventually(() => history(single.id), (r) => r.filter((x) => x.status === "skipped").length >= 2);
        expect(runs.filter((x) => x.status === "completed")).toHaveLength(1);
        expect(runs.filter((x) => x.status === "skipped").every((x) => x.job_id === null && x.error_message)).toBe(true);
        expect(await jobs("single")).toHaveLength(1);
        // Once that job finished, the next tick makes a job again.
        const [leased] = (await api.post("/api/v1/jobs/claim", { queue_name: "single", worker_id: "w" })).body.jobs;
        await api.post(`/api/v1/jobs/${leased.id}/complete`, { worker_id: "w", lease_id: leased.lease_id });
        runs = await eventually(() => history(single.id), (r) => r.filter((x) => x.status === "completed").length >= 2);
        expect((await jobs("single")).length).toBe(runs.filter((x) => x.status === "completed").length);

        // cancel_previous: every new tick cancels the waiting job of the one before.
        const all = await eventually(() => jobs("fresh"), (j) => j.filter((x) => x.status === "cancelled").length >= 2);
        expect(all.filter((x) => x.status === "pending").length).toBeLessThanOrEqual(1);
        // A job a worker holds is never taken away.
        // A claim racing a tick's cancel-and-create skips the row being cancelled (SKIP LOCKED) and may find none yet.
        const [held] = await eventually(async () => (await api.post("/api/v1/jobs/claim", { queue_name: "fresh", worker_id: "w" })).body.jobs, (j) => j.length === 1);
        const before = new Set((await jobs("fresh")).map((x) => x.id));
        await eventually(() => jobs("fresh"), (j) => j.some((x) => !before.has(x.id) && x.id !== held.id && x.status === "pending"));
        expect((await api.get(`/api/v1/jobs/${held.id}`)).body.status).toBe("processing");

        // jitter: the fired job becomes claimable up to jitter_secs after its tick.
        const [spreadRun] = await eventually(() => history(spread.id), (r) => r.length >= 1);
        const job = (await api.get(`/api/v1/jobs/${spreadRun.job_id}`)).body;
        expect(job.status).toBe("scheduled");
        expect(Date.parse(job.scheduled_at)).toBeGreaterThanOrEqual(Date.parse(spreadRun.started_at));
        expect(Date.parse(job.scheduled_at)).toBeLessThanOrEqual(Date.parse(spreadRun.started_at) + 600_000);

        const bad = await api.post("/api/v1/schedules", { name: "bad", queue_name: "bad", cron_expression: "* * * * * *", payload_template: {}, catch_up: "some", overlap: "never", jitter_secs: -1 });
        expect(bad.status).toBe(400);
        expect(bad.body.details.map((d: any) => d.field).sort()).toEqual(["catch_up", "jitter_secs", "overlap"]);
        const changed = await api.put(`/api/v1/schedules/${spread.id}`, { catch_up: "skip", jitter_secs: 0 });
        expect(changed.body).toMatchObject({ catch_up: "skip", jitter_secs: 0, overlap: "allow" });
      } finally {
        await server.stop();
        await dispose();
      }
    });
  });
}
