import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { databaseKinds } from "../helpers/databases";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { SseReader, WsReader, openStalledWebSocket } from "../helpers/realtime-clients";
import { eventually } from "../helpers/eventually";

const types = (events: any[]) => events.map((e) => e.type);

for (const kind of await databaseKinds()) {
  describe(`real-time streams (${kind})`, () => {
    let s: TestServer;
    let api: Client;
    let key: string;
    let orgId: string;
    beforeAll(async () => {
      s = await startTestServer(kind, { SPINDLE_SSE_KEEPALIVE_MS: "300", SPINDLE_WORKER_DEGRADED_SECS: "2", SPINDLE_WORKER_OFFLINE_SECS: "6" });
      ({ client: api, key, orgId } = await s.newOrg());
    });
    afterAll(() => s.stop());

    const sse = (path: string, headers: Record<string, string> = {}) =>
      SseReader.open(`${s.url}/api/v1${path}`, { authorization: `Bearer ${key}`, ...headers });
    const create = async (queue: string, body: Record<string, unknown> = {}) => {
      const r = await api.post("/api/v1/jobs", { queue_name: queue, payload: {}, ...body });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    const claim = async (queue: string) => (await api.post("/api/v1/jobs/claim", { queue_name: queue, worker_id: "w1" })).body.jobs[0];

    test("the org stream carries every transition of a job, in order, as unnamed messages with ids", async () => {
      const stream = await sse("/events");
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get("content-type")).toStartWith("text/event-stream");
      expect(stream.response.headers.get("cache-control")).toBe("no-cache");

      const id = await create("life", { priority: 7 });
      const first = await claim("life");
      expect((await api.post(`/api/v1/jobs/${id}/fail`, { worker_id: "w1", error: "boom", lease_id: first.lease_id })).status).toBe(200);
      await eventually(() => claim("life"), (j) => !!j, 10_000, 100);
      expect((await api.post(`/api/v1/jobs/${id}/complete`, { worker_id: "w1", result: { ok: true } })).status).toBe(200);

      await stream.until(() => stream.forJob(id).some((e) => e.type === "JobCompleted"));
      const events = stream.forJob(id);
      expect(types(events)).toEqual([
        "JobCreated", "JobStatusChange", "JobStatusChange", "job.started", "JobStatusChange", "JobFailed",
        "JobStatusChange", "job.started", "JobStatusChange", "JobCompleted",
      ]);
      expect(events[0].data).toMatchObject({ job_id: id, queue_name: "life", priority: 7 });
      expect(events.filter((e) => e.type === "JobStatusChange").map((e) => [e.data.old_status, e.data.new_status])).toEqual([
        ["", "pending"], ["pending", "processing"], ["processing", "pending"], ["pending", "processing"], ["processing", "completed"],
      ]);
      expect(events[5].data).toMatchObject({ error: "boom", retry_count: 1 });
      expect(events[9].data).toMatchObject({ result: { ok: true } });
      expect(events[9].data.duration_ms).toBeNumber();
      for (const e of events) {
        expect(Object.keys(e).sort()).toEqual(["data", "type"]);
        expect(new Date(e.data.timestamp).toISOString()).toBe(e.data.timestamp);
      }
      // Ids only ever grow, and every stored row's last message carries one.
      const ids = stream.messages.filter((m) => m.id !== undefined).map((m) => Number(m.id));
      expect(ids.length).toBeGreaterThanOrEqual(5);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(stream.comments[0]).toBe("connected");
      await stream.until(() => stream.comments.includes("ping"));
      stream.close();
    });

    test("a client that reconnects with Last-Event-ID receives exactly what it missed", async () => {
      const witness = await sse("/events");
      const first = await sse("/events");
      const a = await create("resume");
      await first.until(() => first.forJob(a).length === 2);
      const lastId = first.lastEventId!;
      first.close();

      const missed = [await create("resume"), await create("resume")];
      await api.post("/api/v1/queues/resume/pause", { reason: "maintenance" });
      await witness.until((m) => m.some((x) => x.event.type === "queue.paused"));

      const again = await sse("/events", { "last-event-id": lastId });
      await again.until((m) => m.some((x) => x.event.type === "queue.paused"));
      const afterLast = witness.messages.slice(witness.messages.findIndex((m) => m.id === lastId) + 1).filter((m) => m.event.type !== "SystemHealth");
      expect(again.messages.map((m) => m.data)).toEqual(afterLast.map((m) => m.data));
      expect(again.messages.map((m) => m.event.data.job_id).filter(Boolean)).toEqual(missed.flatMap((j) => [j, j]));
      expect(again.messages.at(-1)!.event.data).toMatchObject({ queue_name: "resume", reason: "maintenance" });
      again.close();
      witness.close();
    });

    test("a queue stream starts with QueueStats and carries only that queue's events", async () => {
      await create("stats-q");
      const stream = await sse("/events/queues/stats-q");
      await stream.until((m) => m.length >= 1);
      expect(stream.messages[0]!.event).toMatchObject({ type: "QueueStats", data: { queue_name: "stats-q", pending: 1, processing: 0, completed: 0, failed: 0 } });
      await create("other-q");
      const mine = await create("stats-q");
      await api.post("/api/v1/workers/register", { queue_name: "stats-q", hostname: "h1" });
      await stream.until((m) => m.some((x) => x.event.type === "WorkerRegistered"));
      const queues = stream.messages.map((m) => m.event.data.queue_name);
      expect(new Set(queues)).toEqual(new Set(["stats-q"]));
      expect(stream.messages.some((m) => m.event.data.job_id === mine)).toBe(true);
      stream.close();
      expect((await api.get("/api/v1/events/queues/bad%20name")).status).toBe(400);
    });

    test("a job stream reports the current status first, then each change, and ends at a terminal status", async () => {
      const id = await create("one-job");
      const stream = await sse(`/events/jobs/${id}`);
      await stream.until((m) => m.length === 1);
      expect(stream.messages[0]!.event).toMatchObject({ type: "JobStatusChange", data: { job_id: id, old_status: "", new_status: "pending" } });
      const leased = await claim("one-job");
      await api.post(`/api/v1/jobs/${id}/complete`, { worker_id: "w1", lease_id: leased.lease_id });
      const all = await stream.untilEnded();
      expect(all.map((m) => [m.event.type, m.event.data.old_status, m.event.data.new_status])).toEqual([
        ["JobStatusChange", "", "pending"], ["JobStatusChange", "pending", "processing"], ["JobStatusChange", "processing", "completed"],
      ]);
      // A finished job's stream says so at once and ends.
      const again = await sse(`/events/jobs/${id}`);
      expect((await again.untilEnded()).map((m) => m.event.data.new_status)).toEqual(["completed"]);
      const unknown = await sse(`/events/jobs/no-such-job`);
      expect((await unknown.untilEnded()).map((m) => m.event)).toEqual([{ type: "Error", data: { message: "Job not found", timestamp: expect.any(String) } }]);
    });

    test("a worker's life is on the stream: registered, heartbeats, degraded, offline with its job released, deregistered", async () => {
      const stream = await sse("/events?events=worker.registered,worker.heartbeat,worker.degraded,worker.offline,worker.deregistered,job.failed");
      // Silence is judged on the server's clock (degraded after 2 s, offline after 6 s, swept every second): each
      // step that must beat a threshold is one request after the previous one, and the degraded window is wide
      // enough that a late sweep still lands in it.
      const polite = (await api.post("/api/v1/workers/register", { queue_name: "crew", hostname: "polite-host" })).body.id;
      await api.post(`/api/v1/workers/${polite}/deregister`);
      const silent = (await api.post("/api/v1/workers/register", { queue_name: "crew", hostname: "silent-host" })).body.id;
      await api.post(`/api/v1/workers/${silent}/heartbeat`, { current_jobs: 1 });
      const job = await create("crew");
      expect((await api.post("/api/v1/jobs/claim", { queue_name: "crew", worker_id: silent, lease_duration_secs: 3600 })).body.jobs[0].id).toBe(job);
      await stream.until((m) => m.some((x) => x.event.type === "worker.offline" && x.event.data.worker_id === silent), 60_000);
      const about = (id: string) => stream.messages.map((m) => m.event).filter((e) => e.data.worker_id === id).map((e) => e.type);
      expect(about(silent)).toEqual(["WorkerRegistered", "WorkerHeartbeat", "worker.degraded", "worker.offline"]);
      expect(about(polite)).toEqual(["WorkerRegistered", "WorkerDeregistered"]);
      const heartbeat = stream.messages.find((m) => m.event.type === "WorkerHeartbeat")!.event;
      expect(heartbeat.data).toMatchObject({ worker_id: silent, status: "healthy", current_job_id: null, current_jobs: 1 });
      const failed = stream.messages.map((m) => m.event).filter((e) => e.type === "JobFailed");
      expect(failed.map((e) => [e.data.job_id, e.data.error])).toEqual([[job, "Worker went offline"]]);
      stream.close();
    });

    test("one organization never sees another's events; query credentials work only on real-time routes", async () => {
      const other = await s.newOrg();
      const theirs = await SseReader.open(`${s.url}/api/v1/events?api_key=${other.key}`);
      expect(theirs.response.status).toBe(200);
      const mine = await sse("/events");
      const hidden = await create("private");
      const visible = (await other.client.post("/api/v1/jobs", { queue_name: "private", payload: {} })).body.id;
      await theirs.until((m) => m.some((x) => x.event.data.job_id === visible));
      await mine.until((m) => m.some((x) => x.event.data.job_id === hidden));
      expect(theirs.messages.some((m) => m.event.data.job_id === hidden)).toBe(false);
      expect(mine.messages.some((m) => m.event.data.job_id === visible)).toBe(false);
      // A job of another organization is "not found" on its stream.
      const foreign = await SseReader.open(`${s.url}/api/v1/events/jobs/${hidden}?api_key=${other.key}`);
      expect((await foreign.untilEnded()).map((m) => m.event.data.message)).toEqual(["Job not found"]);
      theirs.close();
      mine.close();

      // The SDK's way: log in with the key, then use the JWT as ?token= (SSE and WebSocket) or as a bearer.
      const login = await s.client().post("/api/v1/auth/login", { api_key: key });
      expect(login.status).toBe(200);
      const jwt: string = login.body.access_token;
      const viaJwt = await SseReader.open(`${s.url}/api/v1/events?token=${encodeURIComponent(jwt)}`);
      const ws = await WsReader.open(`${s.url.replace("http", "ws")}/api/v1/ws?token=${encodeURIComponent(jwt)}`);
      const seen = await create("private");
      await viaJwt.until((m) => m.some((x) => x.event.data.job_id === seen));
      await ws.until((e) => e.some((x) => x.data.job_id === seen));
      viaJwt.close();
      ws.close();
      expect((await fetch(`${s.url}/api/v1/jobs?token=${encodeURIComponent(jwt)}`)).status).toBe(401);

      expect((await fetch(`${s.url}/api/v1/events`)).status).toBe(401);
      expect((await fetch(`${s.url}/api/v1/events?api_key=sk_test_nope`)).status).toBe(401);
      expect((await fetch(`${s.url}/api/v1/jobs?api_key=${key}`)).status).toBe(401);
      expect((await fetch(`${s.url}/api/v1/jobs?token=${key}`)).status).toBe(401);
      expect((await fetch(`${s.url}/api/v1/queues?api_key=${key}`)).status).toBe(401);
    });

    test("WebSocket: Ping on open, the same events, Subscribe narrows, Unsubscribe widens, Ping answered", async () => {
      const ws = await WsReader.open(`${s.url.replace("http", "ws")}/api/v1/ws?api_key=${encodeURIComponent(key)}`);
      await ws.until((e) => e.length >= 1);
      expect(ws.events[0]).toMatchObject({ type: "Ping", data: { timestamp: expect.any(String) } });

      const a = await create("ws-a");
      await ws.until((e) => e.some((x) => x.type === "JobStatusChange" && x.data.job_id === a));
      expect(ws.events.filter((x) => x.data.job_id === a).map((x) => x.type)).toEqual(["JobCreated", "JobStatusChange"]);

      ws.send({ cmd: "Subscribe", queue: "ws-b" });
      ws.send({ cmd: "Ping" });
      await ws.until((e) => e.filter((x) => x.type === "Ping").length >= 2);
      const skipped = await create("ws-a");
      const b = await create("ws-b");
      await ws.until((e) => e.some((x) => x.data.job_id === b));
      expect(ws.events.some((x) => x.data.job_id === skipped)).toBe(false);

      ws.send({ cmd: "Unsubscribe", queue: "ws-b" });
      ws.send("not json");
      ws.send({ cmd: "Ping" });
      await ws.until((e) => e.filter((x) => x.type === "Ping").length >= 3);
      const c = await create("ws-c");
      await ws.until((e) => e.some((x) => x.data.job_id === c));

      const other = await s.newOrg();
      await other.client.post("/api/v1/jobs", { queue_name: "ws-c", payload: {} });
      const d = await create("ws-c");
      await ws.until((e) => e.some((x) => x.data.job_id === d));
      expect(ws.events.every((x) => x.type === "Ping" || x.data.job_id === undefined || [a, b, c, d].includes(x.data.job_id))).toBe(true);
      ws.close();

      const refused = await fetch(`${s.url}/api/v1/ws`, { headers: { upgrade: "websocket", connection: "Upgrade" } });
      expect(refused.status).toBe(401);
      expect(await refused.text()).toBe("Missing authentication token");
      const invalid = await fetch(`${s.url}/api/v1/ws?token=eyJbogus`);
      expect(invalid.status).toBe(401);
      expect(await invalid.text()).toBe("Invalid or expired token");
      expect((await fetch(`${s.url}/api/v1/ws?api_key=${key}&queue=bad%20queue`)).status).toBe(400);
    });
  });

  describe(`slow subscribers (${kind})`, () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startTestServer(kind, { SPINDLE_STREAM_BUFFER_BYTES: "16384" });
    });
    afterAll(() => s.stop());

    test("a subscriber that stops reading is cut off with a reason and resumes where it stopped", async () => {
      const { key, client, orgId } = await s.newOrg();
      const queue = "q".repeat(100);
      const stalled = await SseReader.openPaused(`${s.url}/api/v1/events?api_key=${key}`);
      const hub = s.hub!;
      await eventually(async () => hub.countForOrg(orgId), (n) => n === 1);
      const created: string[] = [];
      const produce = async () => {
        const r = await client.post("/api/v1/jobs/bulk", { queue_name: queue, jobs: Array.from({ length: 100 }, () => ({ payload: {} })) });
        expect(r.body.success_count).toBe(100);
        created.push(...r.body.succeeded.map((x: any) => x.job_id));
      };
      // Produce until the stalled stream overflows (its socket buffers fill first, then the server's bound).
      while (hub.countForOrg(orgId) === 1 && created.length < 60_000) await produce();
      expect(hub.countForOrg(orgId)).toBe(0);
      await produce(); // events the cut-off subscriber can only get by resuming

      const reader = stalled.resume();
      const got = await reader.untilEnded(60_000);
      const last = got.at(-1)!.event;
      expect(last.type).toBe("Error");
      expect(last.data.message).toContain("too slow");
      const received = got.slice(0, got.findLastIndex((m) => m.id !== undefined) + 1);
      expect(received.length).toBeLessThan(created.length * 2);

      const resumed = await SseReader.open(`${s.url}/api/v1/events?api_key=${key}`, { "last-event-id": reader.lastEventId! });
      // A stream also carries a SystemHealth event every 10 s; a slow run may see some among the job events.
      const jobEvents = (messages: typeof got) => messages.filter((m) => m.event.type !== "SystemHealth");
      await resumed.until((m) => jobEvents(received).length + jobEvents(m).length >= created.length * 2, 60_000);
      // Up to its last id plus what the resume sent: every job's two events once, in order of creation.
      const all = jobEvents([...received, ...resumed.messages]).map((m) => m.event);
      expect(all.map((e) => e.data.job_id)).toEqual(created.flatMap((id) => [id, id]));
      expect(all.map((e) => e.type)).toEqual(created.flatMap(() => ["JobCreated", "JobStatusChange"]));
      resumed.close();
    }, 180_000);

    test("a WebSocket that stops reading is closed with 1013 and a reason", async () => {
      const { key, client, orgId } = await s.newOrg();
      const stalled = await openStalledWebSocket("127.0.0.1", s.port, `/api/v1/ws?api_key=${encodeURIComponent(key)}`);
      expect(stalled.status).toContain("101");
      const hub = s.hub!;
      await eventually(async () => hub.countForOrg(orgId), (n) => n === 1);
      let jobs = 0;
      while (hub.countForOrg(orgId) === 1 && jobs < 60_000) {
        const r = await client.post("/api/v1/jobs/bulk", { queue_name: "w".repeat(100), jobs: Array.from({ length: 100 }, () => ({ payload: {} })) });
        expect(r.body.success_count).toBe(100);
        jobs += 100;
      }
      expect(hub.countForOrg(orgId)).toBe(0);
      const { texts, close } = await stalled.resume();
      expect(close).toEqual({ code: 1013, reason: "Subscriber too slow" });
      expect(JSON.parse(texts.at(-1)!)).toMatchObject({ type: "Error", data: { message: expect.stringContaining("too slow") } });
      expect(JSON.parse(texts[0]!).type).toBe("Ping");
    }, 180_000);
  });
}
