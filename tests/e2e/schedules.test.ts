import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { eventually } from "../helpers/eventually";
import { fireDueSchedules } from "../../src/engine/schedules";
import { AppError } from "../../src/domain/errors";
import type { DomainEvent } from "../../src/engine/context";

for (const kind of await databaseKinds()) {
  describe(`schedules over HTTP (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    let orgId: string;
    const events: DomainEvent[] = [];
    beforeAll(async () => {
      s = await startTestServer(kind, { SPINDLE_SCHEDULER_INTERVAL_MS: "100" });
      s.engine.hooks.onEvent.push(async (_tx, event) => void events.push(event));
      ({ client: api, orgId } = await s.newOrg());
    });
    afterAll(() => s.stop());

    const create = async (body: Record<string, unknown>) => {
      const r = await api.post("/api/v1/schedules", { name: "nightly", queue_name: "cron", payload_template: { report: true }, cron_expression: "0 3 * * *", ...body });
      expect(r.status).toBe(201);
      return r.body;
    };
    const history = async (id: string) => (await api.get(`/api/v1/schedules/${id}/history`)).body as any[];

    test("create, read, list, update, pause, resume and delete a schedule", async () => {
      const created = await create({ name: "hourly", cron_expression: "0 0 * * * *", timezone: "Europe/Paris", description: "top of the hour", tags: ["ops"], metadata: { owner: "me" } });
      expect(created).toMatchObject({ name: "hourly", cron_expression: "0 0 * * * *", timezone: "Europe/Paris", is_active: true, run_count: 0, last_run_at: null, max_retries: 3, timeout_seconds: 300 });
      expect(new Date(created.next_run_at).getUTCMinutes()).toBe(0);
      // Against the server's own timestamps, not the test's clock: a slow reply cannot make this fail.
      expect(+new Date(created.next_run_at)).toBeGreaterThan(+new Date(created.created_at));

      const got = (await api.get(`/api/v1/schedules/${created.id}`)).body;
      expect(got).toMatchObject({ id: created.id, organization_id: orgId, description: "top of the hour", payload_template: { report: true }, tags: ["ops"], metadata: { owner: "me" } });
      const other = await create({ name: "second" });
      expect((await api.get("/api/v1/schedules")).body.map((x: any) => x.id).slice(0, 2)).toEqual([other.id, created.id]);
      expect((await api.get("/api/v1/schedules?limit=1")).body).toHaveLength(1);

      const updated = await api.put(`/api/v1/schedules/${created.id}`, { cron_expression: "30 12 * * 1-5", timezone: "+05:30", name: null });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ name: "hourly", cron_expression: "30 12 * * 1-5", timezone: "+05:30" });
      expect(new Date(updated.body.next_run_at).getUTCHours()).toBe(7);
      expect(new Date(updated.body.next_run_at).getUTCMinutes()).toBe(0);

      const paused = await api.post(`/api/v1/schedules/${created.id}/pause`);
      expect(paused.body.is_active).toBe(false);
      const resumed = await api.post(`/api/v1/schedules/${created.id}/resume`);
      expect(resumed.body.is_active).toBe(true);
      expect(resumed.body.next_run_at).toBeString();

      expect((await api.delete(`/api/v1/schedules/${created.id}`)).status).toBe(204);
      expect((await api.get(`/api/v1/schedules/${created.id}`)).status).toBe(404);
      for (const [method, path] of [["GET", ""], ["PUT", ""], ["DELETE", ""], ["POST", "/pause"], ["POST", "/resume"], ["POST", "/trigger"], ["GET", "/history"]]) {
        expect((await api.request(method!, `/api/v1/schedules/not-a-schedule${path}`, method === "PUT" ? {} : undefined)).status).toBe(404);
      }
    });

    test("bad expressions, zones and missing fields are refused with 400 naming the field", async () => {
      const bad = async (body: Record<string, unknown>, field: string) => {
        const r = await api.post("/api/v1/schedules", { name: "x", queue_name: "cron", payload_template: {}, cron_expression: "0 3 * * *", ...body });
        expect(r.status).toBe(400);
        expect(r.body.details.map((d: any) => d.field)).toContain(field);
      };
      await bad({ cron_expression: "0 0 * * * * *" }, "cron_expression");
      await bad({ cron_expression: "not a cron" }, "cron_expression");
      await bad({ cron_expression: "*/5" }, "cron_expression");
      await bad({ timezone: "Mars/Olympus_Mons" }, "timezone");
      await bad({ payload_template: undefined }, "payload_template");
      await bad({ name: "" }, "name");
      await bad({ queue_name: ".hidden" }, "queue_name");
      const existing = await create({});
      expect((await api.put(`/api/v1/schedules/${existing.id}`, { cron_expression: "bad" })).status).toBe(400);
    });

    test("trigger creates a job now, records a manual run and keeps the planned next fire", async () => {
      const sched = await create({ queue_name: "manual", payload_template: { kind: "digest" }, priority: 7, max_retries: 1, tags: { team: "a" } });
      const r = await api.post(`/api/v1/schedules/${sched.id}/trigger`);
      expect(r.status).toBe(200);
      expect(r.body.triggered_at).toBe(r.body.scheduled_at);
      const job = (await api.get(`/api/v1/jobs/${r.body.job_id}`)).body;
      expect(job).toMatchObject({ status: "pending", queue_name: "manual", payload: { kind: "digest" }, priority: 7, max_retries: 1, tags: { team: "a" } });

      const after = (await api.get(`/api/v1/schedules/${sched.id}`)).body;
      expect(after).toMatchObject({ run_count: 1, next_run_at: sched.next_run_at });
      expect(after.last_run_at).toBeString();
      const runs = await history(sched.id);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ schedule_id: sched.id, job_id: r.body.job_id, status: "completed", error_message: null, trigger: "manual", scheduled_for: null });
      expect(events).toContainEqual({ type: "schedule.triggered", orgId, data: { schedule_id: sched.id, job_id: r.body.job_id, queue_name: "manual" } });
    });

    test("a 6-field every-second schedule fires once a second and its history shows each fire", async () => {
      const sched = await create({ name: "heartbeat", queue_name: "every-second", cron_expression: "* * * * * *" });
      await eventually(() => history(sched.id), (runs) => runs.length >= 3);
      await api.post(`/api/v1/schedules/${sched.id}/pause`);
      const runs = await history(sched.id);
      const after = (await api.get(`/api/v1/schedules/${sched.id}`)).body;
      expect(after.run_count).toBe(runs.length);

      const ticks = runs.map((r) => r.scheduled_for as string);
      expect(new Set(ticks).size).toBe(ticks.length);
      for (const tick of ticks) expect(new Date(tick).getUTCMilliseconds()).toBe(0);
      // Newest first and strictly decreasing: no tick was fired twice.
      const seconds = ticks.map((t) => Date.parse(t) / 1000);
      for (let i = 1; i < seconds.length; i++) expect(seconds[i - 1]! - seconds[i]!).toBeGreaterThanOrEqual(1);

      const jobs = (await api.get("/api/v1/jobs?queue_name=every-second&limit=100")).body as any[];
      expect(jobs.map((j) => j.id).sort()).toEqual(runs.map((r) => r.job_id).sort());
      expect(runs.every((r) => r.status === "completed" && r.trigger === "cron")).toBe(true);
    });

    test("after downtime a schedule fires once to catch up, not once per missed tick", async () => {
      const sched = await create({ name: "minutely", queue_name: "catch-up", cron_expression: "* * * * *" });
      // Simulate an hour with no node running: the planned fire is 60 ticks in the past.
      const missed = new Date(Date.now() - 3600_000);
      missed.setUTCSeconds(0, 0);
      await s.db.query("UPDATE schedules SET next_run_at = $2::timestamptz WHERE id = $1", [sched.id, missed.toISOString()]);

      const runs = await eventually(() => history(sched.id), (r) => r.length >= 1);
      expect(await fireDueSchedules(s.engine)).toBe(0);
      expect(await history(sched.id)).toHaveLength(1);
      expect(runs[0].scheduled_for).toBe(missed.toISOString());
      const after = (await api.get(`/api/v1/schedules/${sched.id}`)).body;
      expect(+new Date(after.next_run_at)).toBeGreaterThan(+new Date(after.last_run_at));
      expect(after.run_count).toBe(1);
    });

    test("a fire the engine refuses (over quota) is recorded as failed and the plan still moves on", async () => {
      const { client, orgId: refusedOrg } = await s.newOrg();
      s.engine.hooks.validateInsert.push(async (_tx, org) => {
        if (org === refusedOrg) throw new AppError("QUOTA_EXCEEDED", "Active job limit reached");
      });
      const r = await client.post("/api/v1/schedules", { name: "refused", queue_name: "refused", payload_template: {}, cron_expression: "* * * * * *" });
      const runs = await eventually(async () => (await client.get(`/api/v1/schedules/${r.body.id}/history`)).body as any[], (x) => x.length >= 2);
      await client.post(`/api/v1/schedules/${r.body.id}/pause`);
      expect(runs[0]).toMatchObject({ status: "failed", job_id: null, error_message: "Active job limit reached", trigger: "cron" });
      expect(runs[0].scheduled_for).not.toBe(runs[1].scheduled_for);
      expect((await client.get(`/api/v1/schedules/${r.body.id}`)).body.run_count).toBe(0);
      expect((await client.get("/api/v1/jobs/stats")).body.total).toBe(0);
    });
  });
}
