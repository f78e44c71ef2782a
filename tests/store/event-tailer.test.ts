import { describe, test, expect, afterAll } from "bun:test";
import { databaseKinds, freshDatabase } from "../helpers/databases";
import { eventually } from "../helpers/eventually";
import { JobSignals } from "../../src/bus/job-signals";
import { EventHub } from "../../src/bus/event-hub";
import { insertDomainEvent } from "../../src/store/events";
import type { WireEvent } from "../../src/domain/realtime-events";

const event = (n: number) => ({ orgId: "org", type: "test.event", queueName: null, jobId: null, data: { n } });

for (const kind of await databaseKinds()) {
  describe(`event tailer (${kind})`, () => {
    const cleanups: (() => Promise<unknown>)[] = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    async function setup() {
      const { db, dispose } = await freshDatabase(kind);
      const signals = new JobSignals(db);
      await signals.start();
      const hub = new EventHub(db, signals, { pollMs: 100, batch: 50, settleMs: 5 });
      await hub.start();
      const got: WireEvent[] = [];
      hub.add({ orgId: "org", push: (events) => got.push(...events) });
      cleanups.push(async () => {
        await hub.stop();
        await signals.stop();
        await dispose();
      });
      return { db, hub, got };
    }

    test("concurrent writers committing out of order: every event delivered once, none skipped", async () => {
      const { db, got } = await setup();
      const writers = kind === "postgres" ? 12 : 2;
      const perWriter = 40;
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let i = 0; i < perWriter; i++) {
            await db.transaction(async (tx) => {
              await insertDomainEvent(tx, event(w * 1000 + i));
              // Hold some transactions open so later ids commit first.
              if ((w + i) % 3 === 0) await Bun.sleep(Math.floor(Math.random() * 15));
              if ((w + i) % 4 === 0) await insertDomainEvent(tx, event(w * 1000 + i + 500));
            });
          }
        }),
      );
      const expected = writers * perWriter + Array.from({ length: writers }, (_, w) => Array.from({ length: perWriter }, (_, i) => (w + i) % 4 === 0)).flat().filter(Boolean).length;
      await eventually(async () => got.length, (n) => n >= expected);
      const ids = got.map((e) => e.id);
      expect(new Set(ids).size).toBe(expected);
      expect(got.length).toBe(expected);
      // Each writer's events arrive in the order it committed them.
      for (let w = 0; w < writers; w++) {
        const mine = got.map((e) => JSON.parse(e.json).data.n).filter((n) => Math.floor(n / 1000) === w && n % 1000 < 500);
        expect(mine).toEqual([...mine].sort((x, y) => x - y));
      }
    });

    test.skipIf(kind !== "postgres")("a committed event waits behind an older transaction that is still open", async () => {
      const { db, got } = await setup();
      let release!: () => void;
      let inserted!: () => void;
      const insertedP = new Promise<void>((r) => (inserted = r));
      const older = db.transaction(async (tx) => {
        await insertDomainEvent(tx, event(1));
        inserted();
        await new Promise<void>((r) => (release = r));
      });
      await insertedP;
      await db.transaction((tx) => insertDomainEvent(tx, event(2)));
      await Bun.sleep(400); // several tailer reads (NOTIFY and polls) happen meanwhile
      expect(got).toEqual([]);
      release();
      await older;
      await eventually(async () => got.length, (n) => n === 2);
      expect(got.map((e) => JSON.parse(e.json).data.n)).toEqual([1, 2]);
    });
  });
}
