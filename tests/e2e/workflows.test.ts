import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";

for (const kind of await databaseKinds()) {
  describe(`workflows and job dependencies over HTTP (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    beforeAll(async () => {
      s = await startTestServer(kind);
      api = (await s.newOrg()).client;
    });
    afterAll(() => s.stop());

    const claim = async (queue: string, limit = 10) => {
      const r = await api.post("/api/v1/jobs/claim", { queue_name: queue, worker_id: "worker-1", limit });
      expect(r.status).toBe(200);
      return r.body.jobs as { id: string; lease_id: string }[];
    };
    const complete = async (job: { id: string; lease_id: string }) =>
      expect((await api.post(`/api/v1/jobs/${job.id}/complete`, { worker_id: "worker-1", lease_id: job.lease_id, result: { ok: true } })).status).toBe(200);
    const fail = async (job: { id: string; lease_id: string }) =>
      expect((await api.post(`/api/v1/jobs/${job.id}/fail`, { worker_id: "worker-1", lease_id: job.lease_id, error: "boom" })).status).toBe(200);
    const job = async (id: string) => (await api.get(`/api/v1/jobs/${id}`)).body;
    const workflow = async (id: string) => (await api.get(`/api/v1/workflows/${id}`)).body;

    /** A -> B, C -> D; D sits in its own queue so that gating across queues is exercised too. */
    const createDiamond = async (queue: string, opts: { bRetries?: number } = {}) => {
      const r = await api.post("/api/v1/workflows", {
        name: `diamond (${queue})`,
        description: "A then B and C then D",
        metadata: { team: "etl" },
        jobs: [
          { key: "a", queue_name: queue, payload: { step: "a" } },
          { key: "b", queue_name: queue, payload: { step: "b" }, depends_on: ["a"], max_retries: opts.bRetries ?? 3 },
          { key: "c", queue_name: queue, payload: { step: "c" }, depends_on: ["a"] },
          { key: "d", queue_name: `${queue}-final`, payload: { step: "d" }, depends_on: ["b", "c"] },
        ],
      });
      expect(r.status).toBe(200);
      expect(r.body.status).toBe("pending");
      expect(r.body.job_ids.map((j: any) => j.key)).toEqual(["a", "b", "c", "d"]);
      const ids = Object.fromEntries(r.body.job_ids.map((j: any) => [j.key, j.job_id])) as Record<"a" | "b" | "c" | "d", string>;
      return { id: r.body.workflow_id as string, ids };
    };

    test("a diamond DAG processed by a REST worker runs D only after both B and C completed", async () => {
      const { id, ids } = await createDiamond("diamond");
      expect(await workflow(id)).toMatchObject({ status: "pending", total_jobs: 4, completed_jobs: 0, failed_jobs: 0, progress_percent: 0, metadata: { team: "etl" } });

      const first = await claim("diamond");
      expect(first.map((j) => j.id)).toEqual([ids.a]);
      expect(await claim("diamond-final")).toEqual([]);
      expect((await workflow(id)).status).toBe("running");
      await complete(first[0]!);

      const middle = await claim("diamond");
      expect(middle.map((j) => j.id).sort()).toEqual([ids.b, ids.c].sort());
      await complete(middle.find((j) => j.id === ids.b)!);
      expect(await claim("diamond-final")).toEqual([]);
      expect((await job(ids.d)).dependencies_met).toBe(false);
      await complete(middle.find((j) => j.id === ids.c)!);

      const last = await claim("diamond-final");
      expect(last.map((j) => j.id)).toEqual([ids.d]);
      await complete(last[0]!);

      const done = await workflow(id);
      expect(done).toMatchObject({ status: "completed", total_jobs: 4, completed_jobs: 4, failed_jobs: 0, progress_percent: 100 });
      expect(done.completed_at).toMatch(/Z$/);
      expect(done.progress).toMatchObject({ total: 4, completed: 4, failed: 0, pending: 0, processing: 0 });
      expect(done.dependencies).toHaveLength(4);
      expect(done.jobs.map((j: any) => j.key)).toEqual(["a", "b", "c", "d"]);
      expect((await api.post(`/api/v1/workflows/${id}/cancel`)).status).toBe(409);

      // The history proves the order: D was claimed after both B and C completed.
      const eventsOf = async (jobId: string) => (await api.get(`/api/v1/jobs/${jobId}/history`)).body as any[];
      const completedAt = async (jobId: string) => (await eventsOf(jobId)).find((e) => e.event === "completed").id;
      const dClaimed = (await eventsOf(ids.d)).find((e) => e.event === "claimed").id;
      expect(dClaimed).toBeGreaterThan(await completedAt(ids.b));
      expect(dClaimed).toBeGreaterThan(await completedAt(ids.c));
      expect((await eventsOf(ids.d)).map((e) => e.event)).toEqual(["created", "dependencies_met", "claimed", "completed"]);
    });

    test("a dead-lettered B cancels D at once, the workflow fails, and retry brings it back to completion", async () => {
      const { id, ids } = await createDiamond("fragile", { bRetries: 0 });
      await complete((await claim("fragile"))[0]!);
      const [b, c] = [...(await claim("fragile"))].sort((x, y) => (x.id === ids.b ? -1 : y.id === ids.b ? 1 : 0));
      expect(b!.id).toBe(ids.b);

      const retryEarly = await api.post(`/api/v1/workflows/${id}/retry`);
      expect(retryEarly.status).toBe(409);
      expect(retryEarly.body.message).toContain("failed");

      await fail(b!);
      expect((await job(ids.b)).status).toBe("deadletter");
      expect(await job(ids.d)).toMatchObject({ status: "cancelled", last_error: expect.stringContaining("Dependency failed") });
      // C still runs, so the workflow is not over yet.
      expect(await workflow(id)).toMatchObject({ status: "running", failed_jobs: 1, completed_jobs: 1 });
      await complete(c!);
      expect(await workflow(id)).toMatchObject({ status: "failed", failed_jobs: 1, completed_jobs: 2 });

      const retried = await api.post(`/api/v1/workflows/${id}/retry`);
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ id, status: "running", failed_jobs: 0, completed_jobs: 2 });
      expect(await job(ids.b)).toMatchObject({ status: "pending", retry_count: 0, last_error: null, dependencies_met: true });
      expect(await job(ids.d)).toMatchObject({ status: "pending", dependencies_met: false });
      expect((await job(ids.c)).status).toBe("completed");

      const again = await claim("fragile");
      expect(again.map((j) => j.id)).toEqual([ids.b]);
      expect(await claim("fragile-final")).toEqual([]);
      await complete(again[0]!);
      await complete((await claim("fragile-final"))[0]!);
      expect(await workflow(id)).toMatchObject({ status: "completed", completed_jobs: 4, failed_jobs: 0 });
    });

    test("B and C of 20 diamonds completing at the same moment always release D", async () => {
      const diamonds = await Promise.all(Array.from({ length: 20 }, () => createDiamond("race")));
      const roots = await claim("race", 100);
      expect(roots).toHaveLength(20);
      await Promise.all(roots.map(complete));
      const middles = await claim("race", 100);
      expect(middles).toHaveLength(40);
      await Promise.all(middles.map(complete));
      const finals = await claim("race-final", 100);
      expect(finals.map((j) => j.id).sort()).toEqual(diamonds.map((d) => d.ids.d).sort());
      await Promise.all(finals.map(complete));
      for (const d of diamonds) expect(await workflow(d.id)).toMatchObject({ status: "completed", completed_jobs: 4 });
    });

    test("cycles, self-edges, unknown and duplicate keys and 101 jobs are refused with 400 and leave nothing behind", async () => {
      const job = (key: string, depends_on: string[] = []) => ({ key, queue_name: "refused", payload: {}, depends_on });
      const cases: [unknown[], string][] = [
        [[job("a", ["c"]), job("b", ["a"]), job("c", ["b"])], "Circular dependency detected in workflow"],
        [[job("a", ["a"])], "Circular dependency detected in workflow"],
        [[job("a"), job("b", ["x"])], "Job 'b' depends on unknown job 'x'"],
        [[job("a"), job("a")], "Duplicate job key 'a' in workflow"],
        [Array.from({ length: 101 }, (_, i) => job(`j${i}`)), "jobs must contain 1-100 items"],
        [[], "jobs must contain 1-100 items"],
      ];
      for (const [jobs, message] of cases) {
        const r = await api.post("/api/v1/workflows", { name: "bad", jobs });
        expect(r.status).toBe(400);
        expect(r.body.message).toContain(message);
        expect(r.body.details).toBeArray();
      }
      expect((await api.post("/api/v1/workflows", { name: "bad/name", jobs: [job("a")] })).status).toBe(400);
      expect((await api.get("/api/v1/jobs/stats?queue_name=refused")).body.total).toBe(0);
      expect((await api.get("/api/v1/workflows")).body.filter((w: any) => w.name === "bad")).toEqual([]);
      // 100 jobs is the limit, not past it.
      const ok = await api.post("/api/v1/workflows", { name: "wide", jobs: Array.from({ length: 100 }, (_, i) => ({ ...job(`j${i}`), queue_name: "wide" })) });
      expect(ok.status).toBe(200);
      expect(ok.body.job_ids).toHaveLength(100);
    });

    test("cancel stops jobs that have not started, lets running ones finish, and stays cancelled", async () => {
      const { id, ids } = await createDiamond("stopme");
      const [a] = await claim("stopme");
      const cancelled = await api.post(`/api/v1/workflows/${id}/cancel`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe("cancelled");
      for (const key of ["b", "c", "d"] as const) expect((await job(ids[key])).status).toBe("cancelled");
      expect((await job(ids.a)).status).toBe("processing");
      await complete(a!);
      expect(await workflow(id)).toMatchObject({ status: "cancelled", completed_jobs: 1 });
      const retry = await api.post(`/api/v1/workflows/${id}/retry`);
      expect(retry.status).toBe(409);
      expect(retry.body.message).toContain("failed");
      expect((await api.get(`/api/v1/workflows?status=cancelled`)).body.map((w: any) => w.id)).toContain(id);
      expect((await api.get(`/api/v1/workflows?status=completed`)).body.map((w: any) => w.id)).not.toContain(id);
    });

    test("workflow job routes list every job with its key, dependencies and status", async () => {
      const { id, ids } = await createDiamond("listing");
      const jobs = (await api.get(`/api/v1/workflows/${id}/jobs`)).body;
      expect(jobs).toHaveLength(4);
      expect(jobs.find((j: any) => j.key === "d")).toMatchObject({ id: ids.d, workflow_id: id, status: "pending", queue_name: "listing-final", attempt: 0 });
      expect(jobs.find((j: any) => j.key === "d").depends_on.sort()).toEqual([ids.b, ids.c].sort());
      const statuses = (await api.get(`/api/v1/workflows/${id}/jobs/status`)).body;
      expect(statuses.map((x: any) => x.key)).toEqual(["a", "b", "c", "d"]);
      expect(statuses[0]).toMatchObject({ job_id: ids.a, status: "pending" });
      expect((await api.get(`/api/v1/workflows/${id}/jobs/${ids.c}`)).body).toMatchObject({ id: ids.c, key: "c", status: "pending" });
      expect((await api.get(`/api/v1/workflows/${id}/jobs/not-a-job`)).status).toBe(404);
      expect((await api.get(`/api/v1/workflows/not-a-workflow`)).status).toBe(404);
      expect((await api.post(`/api/v1/workflows/not-a-workflow/cancel`)).status).toBe(404);
      const deps = (await api.get(`/api/v1/jobs/${ids.d}/dependencies`)).body;
      expect(deps).toMatchObject({ job_id: ids.d, dependencies_met: false, dependents: [] });
      expect(deps.dependencies.map((d: any) => d.job_id).sort()).toEqual([ids.b, ids.c].sort());
      expect((await api.get(`/api/v1/jobs/${ids.a}/dependencies`)).body.dependents).toHaveLength(2);
    });

    test("mode any: one failed dependency does not doom the job, one completed one releases it", async () => {
      const r = await api.post("/api/v1/workflows", {
        name: "either",
        jobs: [
          { key: "mirror1", queue_name: "any-q", payload: {}, max_retries: 0 },
          { key: "mirror2", queue_name: "any-q", payload: {}, max_retries: 0 },
          { key: "after", queue_name: "any-after", payload: {}, depends_on: ["mirror1", "mirror2"], dependency_mode: "any" },
        ],
      });
      const ids = Object.fromEntries(r.body.job_ids.map((j: any) => [j.key, j.job_id]));
      const [m1, m2] = (await claim("any-q")).sort((x, y) => (x.id === ids.mirror1 ? -1 : y.id === ids.mirror1 ? 1 : 0));
      await fail(m1!);
      expect(await job(ids.after)).toMatchObject({ status: "pending", dependencies_met: false, dependency_mode: "any" });
      await complete(m2!);
      expect((await job(ids.after)).dependencies_met).toBe(true);
      expect((await claim("any-after")).map((j) => j.id)).toEqual([ids.after]);
    });

    test("parent_job_id gates a plain job until its parent completes, and a failed parent cancels it", async () => {
      const create = async (body: Record<string, unknown>) => (await api.post("/api/v1/jobs", { payload: {}, ...body })).body.id as string;
      const parent = await create({ queue_name: "family" });
      const child = await create({ queue_name: "family", parent_job_id: parent });
      const [leased] = await claim("family");
      expect(leased!.id).toBe(parent);
      expect(await claim("family")).toEqual([]);
      await complete(leased!);
      expect((await claim("family")).map((j) => j.id)).toEqual([child]);

      // A child of an already completed parent is runnable at once.
      const late = await create({ queue_name: "family", parent_job_id: parent });
      expect((await job(late)).dependencies_met).toBe(true);

      const doomedParent = await create({ queue_name: "family2", max_retries: 0 });
      const orphan = await create({ queue_name: "family2", parent_job_id: doomedParent });
      await fail((await claim("family2"))[0]!);
      expect((await job(orphan)).status).toBe("cancelled");
      // Children of a parent that is already dead are cancelled as they are created.
      const stillborn = await create({ queue_name: "family2", parent_job_id: doomedParent });
      expect((await job(stillborn)).status).toBe("cancelled");
    });

    test("dependencies added to existing jobs (both spellings) gate them; self and cyclic edges are skipped", async () => {
      const create = async (queue: string) => (await api.post("/api/v1/jobs", { queue_name: queue, payload: {} })).body.id as string;
      const x = await create("adhoc-x");
      const y = await create("adhoc-y");
      const sdk = await api.post(`/api/v1/jobs/${y}/dependencies`, { depends_on_job_ids: [x, y], dependency_type: "all" });
      expect(sdk.status).toBe(200);
      expect(sdk.body).toMatchObject({ job_id: y, added: 1, dependencies_added: 1, dependencies_met: false });
      expect(sdk.body.dependencies).toEqual([{ job_id: y, depends_on_job_id: x, dependency_type: "all", status: "pending" }]);
      expect(await claim("adhoc-y")).toEqual([]);

      const cyclic = await api.post(`/api/v1/jobs/${x}/dependencies`, { depends_on: [y], dependency_mode: "all" });
      expect(cyclic.status).toBe(200);
      expect(cyclic.body.dependencies_added).toBe(0);
      expect((await job(x)).dependencies_met).toBeNull();

      expect((await api.post(`/api/v1/jobs/${y}/dependencies`, { depends_on: ["no-such-job"] })).status).toBe(404);
      expect((await api.post(`/api/v1/jobs/no-such-job/dependencies`, { depends_on: [x] })).status).toBe(404);
      expect((await api.post(`/api/v1/jobs/${y}/dependencies`, {})).status).toBe(400);
      expect((await api.get(`/api/v1/jobs/no-such-job/dependencies`)).status).toBe(404);

      await complete((await claim("adhoc-x"))[0]!);
      expect((await claim("adhoc-y")).map((j) => j.id)).toEqual([y]);
    });
  });
}
