import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds, freshDatabase } from "../helpers/databases";
import type { Db, Queryable } from "../../src/db/types";
import * as store from "../../src/store/jobs";
import { insertOrganization } from "../../src/store/orgs";
import { upsertQueueConfig } from "../../src/store/queues";

const DEFAULTS = { maxRetries: 3, timeoutSeconds: 300 };

function newJob(queueName: string, over: Partial<store.NewJob> = {}): store.NewJob {
  return {
    id: crypto.randomUUID(),
    queueName,
    payload: { n: 1 },
    priority: 0,
    maxRetries: null,
    timeoutSeconds: null,
    scheduledAt: null,
    expiresAt: null,
    idempotencyKey: null,
    tags: null,
    parentJobId: null,
    completionWebhook: null,
    ...over,
  };
}

/** Storage conformance: the same assertions against src/store on PGlite and on PostgreSQL. */
for (const kind of await databaseKinds()) {
  describe(`job storage (${kind})`, () => {
    let db: Db;
    let dispose: () => Promise<void>;
    let org: string;
    let otherOrg: string;

    beforeAll(async () => {
      ({ db, dispose } = await freshDatabase(kind));
      org = crypto.randomUUID();
      otherOrg = crypto.randomUUID();
      for (const id of [org, otherOrg]) await insertOrganization(db, { id, name: id, slug: `o${id.slice(0, 8)}`, billingEmail: null, planTier: "free" });
    });
    afterAll(() => dispose());

    const insert = (jobs: store.NewJob[], orgId = org) => db.transaction((tx) => store.insertJobs(tx, orgId, jobs, DEFAULTS));
    const claim = (queue: string, limit: number, worker = "w", leaseSecs = 30, orgId = org) =>
      db.transaction((tx) => store.claimJobs(tx, orgId, queue, worker, limit, leaseSecs));
    const events = (jobId: string) =>
      db.query<{ event: string; status: string; worker_id: string | null; error: string | null; detail: unknown; created_at: Date }>(
        "SELECT event, status, worker_id, error, detail, created_at FROM job_events WHERE job_id = $1 ORDER BY id",
        [jobId],
      );
    const job = async (id: string) => (await store.getJob(db, org, id))!;

    test("claims go by priority, then creation order, up to the limit, and only claimable rows", async () => {
      const q = "order";
      const [low] = await insert([newJob(q, { priority: -1 })]);
      const [a] = await insert([newJob(q)]);
      const [b, c] = await insert([newJob(q), newJob(q)]);
      const [high] = await insert([newJob(q, { priority: 9 })]);
      await insert([
        newJob(q, { priority: 100, scheduledAt: new Date(Date.now() + 3_600_000) }),
        newJob(q, { priority: 100, expiresAt: new Date(Date.now() - 1000) }),
        newJob(q, { priority: 100, dependenciesMet: false }),
        newJob("another-queue", { priority: 100 }),
      ]);
      await insert([newJob(q, { priority: 100 })], otherOrg);

      const first = await claim(q, 2);
      expect(first.map((j) => j.id)).toEqual([high.id, a.id]);
      const rest = await claim(q, 10);
      expect(rest.map((j) => j.id)).toEqual([b.id, c.id, low.id]);
      expect(await claim(q, 10)).toEqual([]);
      expect(rest[0]).toMatchObject({ status: "processing", assigned_worker_id: "w" });
      expect(rest[0].lease_id).toBeString();
    });

    test("a paused queue (config disabled) hands out nothing", async () => {
      await insert([newJob("paused")]);
      await upsertQueueConfig(db, org, "paused", { enabled: false }, { maxRetries: 3, timeoutSecs: 300 });
      expect(await claim("paused", 10)).toEqual([]);
      await upsertQueueConfig(db, org, "paused", { enabled: true }, { maxRetries: 3, timeoutSecs: 300 });
      expect(await claim("paused", 10)).toHaveLength(1);
    });

    test("concurrent claimers each get disjoint jobs and drain the queue exactly", async () => {
      const q = "drain";
      const jobs = Array.from({ length: 600 }, () => newJob(q));
      for (let i = 0; i < jobs.length; i += 100) await insert(jobs.slice(i, i + 100));
      const seen = new Map<string, number>();
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (;;) {
            const got = await claim(q, 7, `claimer-${w}`);
            if (got.length === 0) return;
            for (const j of got) seen.set(j.id, (seen.get(j.id) ?? 0) + 1);
          }
        }),
      );
      expect(seen.size).toBe(600);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      const [{ n }] = await db.query("SELECT count(*)::int AS n FROM job_events WHERE event = 'claimed' AND queue_name = $1", [q]);
      expect(n).toBe(600);
    });

    test.skipIf(kind === "pglite")("SKIP LOCKED: a claim never waits for, nor returns, rows another open transaction holds", async () => {
      const q = "skip-locked";
      await insert(Array.from({ length: 10 }, () => newJob(q)));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let held: any[] = [];
      let holding!: () => void;
      const isHolding = new Promise<void>((r) => (holding = r));
      const holder = db.transaction(async (tx) => {
        held = await store.claimJobs(tx, org, q, "slow", 4, 30);
        holding();
        await gate;
      });
      await isHolding;
      const other = await claim(q, 100, "fast");
      release();
      await holder;
      expect(held).toHaveLength(4);
      expect(other).toHaveLength(6);
      expect(other.some((j) => held.some((h) => h.id === j.id))).toBe(false);
    });

    test("idempotency: concurrent inserts of one key create exactly one row", async () => {
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => insert([newJob("idem", { idempotencyKey: "the-key", payload: { i } })])));
      expect(results.flat()).toHaveLength(1);
      const ids = await store.findIdsByIdempotencyKeys(db, org, ["the-key", "unused"]);
      expect([...ids.keys()]).toEqual(["the-key"]);
      expect(ids.get("the-key")).toBe(results.flat()[0].id);
      // Keys are per organization.
      expect(await insert([newJob("idem", { idempotencyKey: "the-key" })], otherOrg)).toHaveLength(1);
    });

    test("insert fills max_retries and timeout from the queue config, else the server defaults", async () => {
      await upsertQueueConfig(db, org, "configured", { maxRetries: 9, defaultTimeout: 77 }, { maxRetries: 3, timeoutSecs: 300 });
      const [fromQueue] = await insert([newJob("configured")]);
      const [explicit] = await insert([newJob("configured", { maxRetries: 1, timeoutSeconds: 5 })]);
      const [fromServer] = await insert([newJob("unconfigured")]);
      expect([fromQueue.max_retries, fromQueue.timeout_seconds]).toEqual([9, 77]);
      expect([explicit.max_retries, explicit.timeout_seconds]).toEqual([1, 5]);
      expect([fromServer.max_retries, fromServer.timeout_seconds]).toEqual([3, 300]);
    });

    test("every transition appends its event in the same statement (same transaction clock), and rolls back with it", async () => {
      const [created] = await insert([newJob("events")]);
      const [claimed] = await claim("events", 1, "ev-worker");
      const [completed] = await db.transaction((tx) => store.completeLeasedJobs(tx, org, [{ id: created.id, workerId: "ev-worker", leaseId: claimed.lease_id, result: { ok: true } }]));
      expect(completed).toMatchObject({ status: "completed", result: { ok: true }, lease_id: null });
      const history = await events(created.id);
      expect(history.map((e) => [e.event, e.status, e.worker_id])).toEqual([
        ["created", "pending", null],
        ["claimed", "processing", "ev-worker"],
        ["completed", "completed", "ev-worker"],
      ]);
      expect(history[1].detail).toMatchObject({ lease_id: claimed.lease_id });
      expect(+new Date(history[2].created_at)).toBe(+new Date(completed.updated_at));

      const [other] = await insert([newJob("events")]);
      await claim("events", 1);
      await expect(
        db.transaction(async (tx: Queryable) => {
          expect(await store.completeLeasedJobs(tx, org, [{ id: other.id, workerId: "w", leaseId: null, result: null }])).toHaveLength(1);
          throw new Error("abort");
        }),
      ).rejects.toThrow("abort");
      expect((await job(other.id)).status).toBe("processing");
      expect((await events(other.id)).map((e) => e.event)).toEqual(["created", "claimed"]);
    });

    test("completion checks ownership, a live lease and the lease id when one is given", async () => {
      const [j] = await insert([newJob("own")]);
      const [leased] = await claim("own", 1, "owner", 30);
      const complete = (worker: string, leaseId: string | null) =>
        db.transaction((tx) => store.completeLeasedJobs(tx, org, [{ id: j.id, workerId: worker, leaseId, result: null }]));
      expect(await complete("intruder", null)).toEqual([]);
      expect(await complete("owner", "stale")).toEqual([]);
      expect(await db.transaction((tx) => store.completeLeasedJobs(tx, otherOrg, [{ id: j.id, workerId: "owner", leaseId: null, result: null }]))).toEqual([]);
      await db.query("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1", [j.id]);
      expect(await complete("owner", leased.lease_id)).toEqual([]);
      await db.query("UPDATE jobs SET lease_expires_at = now() + interval '1 minute' WHERE id = $1", [j.id]);
      expect((await complete("owner", leased.lease_id)).map((r) => r.status)).toEqual(["completed"]);
      expect(await complete("owner", leased.lease_id)).toEqual([]);
    });

    test("fail, defer and renew check the lease inside their update, like completion", async () => {
      const [j] = await insert([newJob("fenced", { maxRetries: 5 })]);
      const [leased] = await claim("fenced", 1, "owner", 30);
      const guard = (workerId: string, leaseId: string | null, orgId = org) => ({ orgId, jobId: j.id, workerId, leaseId });
      const refused = [guard("intruder", null), guard("owner", "stale"), guard("owner", null, "other-org")];
      for (const g of refused) {
        expect(await db.transaction((tx) => store.markFailed(tx, g, "x", 1))).toBeUndefined();
        expect(await db.transaction((tx) => store.deferLeasedJob(tx, g, 1, "x"))).toBeUndefined();
        expect(await db.transaction((tx) => store.renewLease(tx, g, 60))).toBeUndefined();
      }
      await db.query("UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1", [j.id]);
      expect(await db.transaction((tx) => store.renewLease(tx, guard("owner", leased.lease_id), 60))).toBeUndefined();
      expect(await db.transaction((tx) => store.markFailed(tx, guard("owner", leased.lease_id), "late", 1))).toBeUndefined();
      expect(await job(j.id)).toMatchObject({ status: "processing", retry_count: 0 });
      await db.query("UPDATE jobs SET lease_expires_at = now() + interval '1 minute' WHERE id = $1", [j.id]);
      expect(await db.transaction((tx) => store.renewLease(tx, guard("owner", leased.lease_id), 60))).toMatchObject({ id: j.id, status: "processing" });
      expect(await db.transaction((tx) => store.deferLeasedJob(tx, guard("owner", leased.lease_id), 0, "busy"))).toMatchObject({ status: "pending", retry_count: 0 });
      expect((await events(j.id)).map((e) => e.event)).toEqual(["created", "claimed", "released"]);
    });

    test("a failed attempt is rescheduled after its delay or dead-lettered, with the error kept", async () => {
      const [j] = await insert([newJob("fail", { maxRetries: 1, payload: { keep: 1 } })]);
      await claim("fail", 1);
      const retried = await db.transaction((tx) => store.markFailed(tx, { orgId: org, jobId: j.id, workerId: "w", leaseId: null }, "first", 30));
      expect(retried).toMatchObject({ status: "pending", retry_count: 1, last_error: "first", assigned_worker_id: null, lease_id: null });
      expect(+new Date(retried!.scheduled_at!) - Date.now()).toBeGreaterThan(20_000);
      expect(await claim("fail", 1)).toEqual([]);
      await db.query("UPDATE jobs SET scheduled_at = now() - interval '1 second' WHERE id = $1", [j.id]);
      await claim("fail", 1);
      const dead = await db.transaction((tx) => store.markFailed(tx, { orgId: org, jobId: j.id, workerId: "w", leaseId: null }, "second", null));
      expect(dead).toMatchObject({ status: "deadletter", retry_count: 2, last_error: "second", payload: { keep: 1 } });
      expect((await events(j.id)).map((e) => [e.event, e.error])).toEqual([
        ["created", null], ["claimed", null], ["failed", "first"], ["claimed", null], ["deadlettered", "second"],
      ]);
    });

    test("the reaper fails expired leases: back to pending after the given delay, or to the DLQ, and skips live leases", async () => {
      const [again] = await insert([newJob("reap", { maxRetries: 2 })]);
      const [dead] = await insert([newJob("reap", { maxRetries: 0 })]);
      const [live] = await insert([newJob("reap-live")]);
      await claim("reap", 10, "gone", 0);
      await claim("reap-live", 1, "alive", 60);
      await Bun.sleep(5);
      const asked: number[] = [];
      const delayFor = (j: { retry_count: number; max_retries: number }) => (asked.push(j.retry_count), j.retry_count < j.max_retries ? 30 : null);
      const reaped = await db.transaction((tx) => store.reapExpiredLeases(tx, delayFor));
      expect(asked).toEqual([0, 0]);
      const byId = new Map(reaped.map((r) => [r.id, r]));
      expect(byId.get(again.id)).toMatchObject({ status: "pending", retry_count: 1, last_error: "lease expired", assigned_worker_id: null, lease_id: null });
      expect(+new Date(byId.get(again.id)!.scheduled_at!) - Date.now()).toBeGreaterThan(20_000);
      expect(await claim("reap", 10)).toEqual([]); // its backoff has not passed
      expect(byId.get(dead.id)).toMatchObject({ status: "deadletter", retry_count: 1, last_error: "lease expired" });
      expect(byId.has(live.id)).toBe(false);
      expect((await events(again.id)).at(-1)).toMatchObject({ event: "lease_expired", status: "pending", error: "lease expired" });
      expect((await events(dead.id)).at(-1)).toMatchObject({ event: "deadlettered", status: "deadletter", error: "lease expired" });
      expect(await db.transaction((tx) => store.reapExpiredLeases(tx, delayFor))).toEqual([]);
    });

    test("DLQ retry by ids, by queue and with a limit; purge by queue and age, within a limit", async () => {
      const deadJob = async (queue: string) => {
        const [j] = await insert([newJob(queue, { maxRetries: 0 })]);
        await claim(queue, 1);
        await db.transaction((tx) => store.markFailed(tx, { orgId: org, jobId: j.id, workerId: "w", leaseId: null }, "x", null));
        return j.id as string;
      };
      const a = await deadJob("dlq-a");
      const b = await deadJob("dlq-a");
      const c = await deadJob("dlq-b");
      const retried = await db.transaction((tx) => store.retryDeadLetters(tx, org, { jobIds: [b, c], limit: 100 }));
      expect(retried.sort()).toEqual([b, c].sort());
      expect(await job(b)).toMatchObject({ status: "pending", retry_count: 0, last_error: null });
      expect((await events(b)).at(-1)).toMatchObject({ event: "dlq_retried", status: "pending" });
      expect(await db.transaction((tx) => store.retryDeadLetters(tx, org, { queueName: "dlq-b", limit: 100 }))).toEqual([]);
      // Another organization's retry touches nothing of ours.
      expect(await db.transaction((tx) => store.retryDeadLetters(tx, otherOrg, { jobIds: [a], limit: 100 }))).toEqual([]);

      const d = await deadJob("dlq-c");
      const e = await deadJob("dlq-c");
      expect(await db.transaction((tx) => store.retryDeadLetters(tx, org, { queueName: "dlq-c", limit: 1 }))).toEqual([d]);
      expect((await job(e)).status).toBe("deadletter");

      expect(await store.purgeDeadLetters(db, org, { queueName: "dlq-a", olderThan: new Date(Date.now() - 3_600_000), limit: 100 })).toBe(0);
      expect(await store.purgeDeadLetters(db, otherOrg, { queueName: "dlq-a", limit: 100 })).toBe(0);
      expect(await store.purgeDeadLetters(db, org, { queueName: "dlq-a", limit: 100 })).toBe(1);
      expect(await store.getJob(db, org, a)).toBeUndefined();
      expect(await store.getJob(db, org, b)).toBeDefined();
    });

    test("cancel, manual retry and priority changes apply only in their allowed states and are recorded", async () => {
      const [p] = await insert([newJob("misc")]);
      expect(await db.transaction((tx) => store.retryJob(tx, org, p.id))).toBeUndefined();
      expect(await store.setPriority(db, org, p.id, 50)).toEqual({ old_priority: 0, new_priority: 50 });
      expect((await db.transaction((tx) => store.cancelJob(tx, org, p.id)))?.status).toBe("cancelled");
      expect(await db.transaction((tx) => store.cancelJob(tx, org, p.id))).toBeUndefined();
      expect(await store.setPriority(db, org, p.id, 1)).toBeUndefined();
      expect((await events(p.id)).map((e) => e.event)).toEqual(["created", "priority_changed", "cancelled"]);
      expect((await events(p.id))[1].detail).toEqual({ old_priority: 0, new_priority: 50 });
    });

    test("due scheduled jobs are activated once", async () => {
      const [s] = await insert([newJob("sched", { scheduledAt: new Date(Date.now() + 60_000) })]);
      expect(s.status).toBe("scheduled");
      await db.query("UPDATE jobs SET scheduled_at = now() - interval '1 second' WHERE id = $1", [s.id]);
      expect(await db.transaction((tx) => store.activateDueScheduled(tx))).toBeGreaterThanOrEqual(1);
      expect((await job(s.id)).status).toBe("pending");
      expect((await events(s.id)).map((e) => e.event)).toEqual(["created", "activated"]);
    });
  });
}
