import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";

for (const kind of await databaseKinds()) {
  describe(`fair claiming (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    beforeAll(async () => {
      s = await startTestServer(kind);
      api = (await s.newOrg()).client;
    });
    afterAll(() => s.stop());

    const enqueue = async (queue: string, payloads: unknown[]) => {
      for (let i = 0; i < payloads.length; i += 100) {
        const r = await api.post("/api/v1/jobs/bulk", { queue_name: queue, jobs: payloads.slice(i, i + 100).map((payload) => ({ payload })) });
        expect(r.body.success_count).toBe(Math.min(100, payloads.length - i));
      }
    };
    const claim = async (queue: string, worker: string, limit: number) => {
      const r = await api.post("/api/v1/jobs/claim", { queue_name: queue, worker_id: worker, limit });
      expect(r.status).toBe(200);
      return r.body.jobs as any[];
    };

    test("one key flooding 20k jobs cannot starve another: its one job starts within the next 2 claim batches", async () => {
      expect((await api.put("/api/v1/queues/flood/config", { settings: { fairness: { key_field: "tenant" } } })).status).toBe(200);
      await enqueue("flood", Array.from({ length: 20_000 }, (_, i) => ({ tenant: "A", i })));
      await enqueue("flood", [{ tenant: "B", i: 0 }]);
      const batches = [await claim("flood", "w", 10), await claim("flood", "w", 10)];
      const tenants = batches.flat().map((j) => j.payload.tenant);
      expect(tenants).toContain("B");
      expect(tenants.filter((t) => t === "A").length).toBeGreaterThanOrEqual(10);
      // Within a key the order is still FIFO.
      const aOrder = batches.flat().filter((j) => j.payload.tenant === "A").map((j) => j.payload.i);
      expect(aOrder).toEqual([...aOrder].sort((x, y) => x - y));
      expect(aOrder[0]).toBe(0);
    }, 300_000);

    test("a per-key cap of 2 is never exceeded under 32 concurrent claimers, and every job runs once", async () => {
      expect((await api.put("/api/v1/queues/capped/config", { settings: { fairness: { key_field: "tenant", max_concurrency_per_key: 2 } } })).status).toBe(200);
      const tenants = ["t1", "t2", "t3", "t4", "t5"];
      const total = 150;
      await enqueue("capped", Array.from({ length: total }, (_, i) => ({ tenant: tenants[i % tenants.length], i })));
      // What the claimers hold right now, by key: a job is counted from its claim answer until its completion is
      // sent, so this is never more than the server has processing. Above the cap here means above it there.
      const holding = new Map<string, number>();
      let most = 0;
      const done = new Set<number>();
      let duplicates = 0;
      const claimer = async (n: number) => {
        let idle = 0;
        while (done.size < total && idle < 200) {
          const jobs = await claim("capped", `w${n}`, 3);
          if (jobs.length === 0) {
            idle++;
            await Bun.sleep(5);
            continue;
          }
          idle = 0;
          for (const j of jobs) {
            const held = (holding.get(j.payload.tenant) ?? 0) + 1;
            holding.set(j.payload.tenant, held);
            most = Math.max(most, held);
          }
          await Bun.sleep(2);
          for (const j of jobs) {
            holding.set(j.payload.tenant, holding.get(j.payload.tenant)! - 1);
            const r = await api.post(`/api/v1/jobs/${j.id}/complete`, { worker_id: `w${n}`, lease_id: j.lease_id });
            expect(r.status).toBe(200);
            if (done.has(j.payload.i)) duplicates++;
            done.add(j.payload.i);
          }
        }
      };
      await Promise.all(Array.from({ length: 32 }, (_, n) => claimer(n)));
      expect(done.size).toBe(total);
      expect(duplicates).toBe(0);
      expect(most).toBeLessThanOrEqual(2);
      expect(most).toBe(2);
    }, 300_000);

    test("jobs waiting before fairness was turned on are keyed and claimed; bad settings are 400s naming the field", async () => {
      await enqueue("late", [{ tenant: "x" }, { tenant: "y" }, {}]);
      expect((await api.put("/api/v1/queues/late/config", { settings: { fairness: { key_field: "tenant" } } })).status).toBe(200);
      const jobs = await claim("late", "w", 10);
      expect(jobs).toHaveLength(3);

      const bad = await api.put("/api/v1/queues/late/config", { settings: { fairness: { max_concurrency_per_key: 0, extra: 1 } } });
      expect(bad.status).toBe(400);
      expect(bad.body.details.map((d: any) => d.field)).toContain("settings.fairness.max_concurrency_per_key");
      // Fairness off again: plain claims.
      expect((await api.put("/api/v1/queues/late/config", { settings: { fairness: null } })).status).toBe(200);
      await enqueue("late", [{ tenant: "z" }]);
      expect(await claim("late", "w", 10)).toHaveLength(1);
    });
  });
}
