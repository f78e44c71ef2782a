import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer } from "../helpers/server";

/** Answers the official SDKs read differently from the contract's minimum (issue 17, docs/compatibility.md). */
describe.each(await databaseKinds())("answers every official SDK reads alike (%s)", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind, { SPINDLE_LOOPS: "false" });
  });
  afterAll(() => s.stop());

  test("ready answers 200 with /health's shape, which the PHP SDK reads as ready", async () => {
    const ready = await fetch(`${s.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "healthy", database: true, cache: true });
    expect(await (await fetch(`${s.url}/health`)).json()).toEqual({ status: "healthy", database: true, cache: true });
  });

  test("every QueueConfig body carries name beside queue_name: get, list and config update", async () => {
    const { client } = await s.newOrg();
    expect((await client.post("/api/v1/jobs", { queue_name: "named-implicit", payload: {} })).status).toBe(201);
    const updated = await client.put("/api/v1/queues/named-configured/config", { max_retries: 2 });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: "named-configured", queue_name: "named-configured" });
    const got = await client.get("/api/v1/queues/named-implicit");
    expect(got.body).toMatchObject({ name: "named-implicit", queue_name: "named-implicit" });
    const list = await client.get("/api/v1/queues");
    expect(list.body.map((q: any) => [q.name, q.queue_name])).toEqual([
      ["named-configured", "named-configured"],
      ["named-implicit", "named-implicit"],
    ]);
  });
});

describe.each(await databaseKinds())("readiness with the database gone (%s)", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind, { SPINDLE_LOOPS: "false" });
  });
  afterAll(() => s.stop().catch(() => {}));

  test("503 naming the failed dependency, never a 500", async () => {
    await s.db.close();
    const ready = await fetch(`${s.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "unhealthy", database: false, cache: true, failed: ["database"] });
    const health = await fetch(`${s.url}/health`);
    expect(health.status).toBe(503);
    expect((await health.json()).database).toBe(false);
  });
});
