import { describe, test, expect, afterAll } from "bun:test";
import postgres from "postgres";
import { createPostgresDatabase, postgresAvailable } from "../helpers/databases";
import { Client } from "../helpers/server";
import { eventually } from "../helpers/eventually";
import { startNode } from "../helpers/nodes";
import { SseReader, WsReader } from "../helpers/realtime-clients";
import { LEADER_LOCK } from "../../src/loops/leadership";

const havePostgres = await postgresAvailable();
const NODE_ENV = { SPINDLE_LEADER_CHECK_MS: "200", SPINDLE_SSE_KEEPALIVE_MS: "500" };

describe("real-time and workers across two server processes on one PostgreSQL", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  test.skipIf(!havePostgres)("cross-node delivery, exactly-once claims, one leader, and resume after a node dies", async () => {
    const { url: databaseUrl, drop } = await createPostgresDatabase();
    cleanups.push(drop);
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    cleanups.push(() => sql.end({ timeout: 1 }));
    // Exactly one node holds the leader lock, so the background loops run once. A starts first and leads.
    const leaders = () => sql`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
      AND ((classid::bigint << 32) | objid::bigint) = ${LEADER_LOCK} AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
    const a = await startNode(databaseUrl, NODE_ENV);
    cleanups.push(async () => a.proc.kill("SIGKILL"));
    const firstLeader = await eventually(leaders, (rows) => rows.length === 1);
    const b = await startNode(databaseUrl, NODE_ENV);
    cleanups.push(async () => b.proc.kill("SIGKILL"));

    const org = await new Client(a.url).post("/api/v1/organizations", { name: "Realtime cluster", slug: "realtime-cluster" });
    expect(org.status).toBe(201);
    const key: string = org.body.api_key.key;
    const onA = new Client(a.url, key);
    const onB = new Client(b.url, key);

    await Bun.sleep(600); // B has tried for the lock a few times by now
    expect((await leaders()).map((r) => r.pid)).toEqual(firstLeader.map((r) => r.pid));

    // An event caused on A reaches SSE and WebSocket subscribers on B.
    const witness = await SseReader.open(`${b.url}/api/v1/events?api_key=${key}`);
    const ws = await WsReader.open(`${b.url.replace("http", "ws")}/api/v1/ws?token=${encodeURIComponent(key)}`);
    const onAStream = await SseReader.open(`${a.url}/api/v1/events`, { authorization: `Bearer ${key}` });
    const first = (await onA.post("/api/v1/jobs", { queue_name: "cross", payload: {} })).body.id;
    await witness.until((m) => m.some((x) => x.event.type === "JobCreated" && x.event.data.job_id === first));
    await ws.until((e) => e.some((x) => x.type === "JobCreated" && x.data.job_id === first));

    // Claimers on both nodes drain one queue: every job is claimed and completed exactly once.
    for (let i = 0; i < 6; i++) {
      const r = await onA.post("/api/v1/jobs/bulk", { queue_name: "race", jobs: Array.from({ length: 100 }, (_, k) => ({ payload: { n: i * 100 + k } })) });
      expect(r.body.success_count).toBe(100);
    }
    const claimed: string[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        const api = w % 2 === 0 ? onA : onB;
        for (;;) {
          const jobs = (await api.post("/api/v1/jobs/claim", { queue_name: "race", worker_id: `w${w}`, limit: 10 })).body.jobs as any[];
          if (jobs.length === 0) return;
          for (const j of jobs) {
            claimed.push(j.id);
            expect((await api.post(`/api/v1/jobs/${j.id}/complete`, { worker_id: `w${w}`, lease_id: j.lease_id })).status).toBe(200);
          }
        }
      }),
    );
    expect(claimed.length).toBe(600);
    expect(new Set(claimed).size).toBe(600);
    await witness.until((m) => m.filter((x) => x.event.type === "JobCompleted" && x.event.data.queue_name === "race").length === 600, 30_000);
    await ws.until((e) => e.filter((x) => x.type === "JobCompleted" && x.data.queue_name === "race").length === 600, 30_000);

    // A subscriber of A notes where it is; A dies; the subscriber resumes on B and misses nothing.
    await onAStream.until((m) => m.filter((x) => x.event.type === "JobCompleted").length === 600, 30_000);
    const lastId = onAStream.lastEventId!;
    a.proc.kill("SIGKILL");
    await a.proc.exited;
    const later = [];
    for (let i = 0; i < 3; i++) later.push((await onB.post("/api/v1/jobs", { queue_name: "after-death", payload: {} })).body.id);
    await onB.post("/api/v1/queues/after-death/pause", {});
    await witness.until((m) => m.some((x) => x.event.type === "queue.paused"));
    const resumed = await SseReader.open(`${b.url}/api/v1/events?api_key=${key}`, { "last-event-id": lastId });
    await resumed.until((m) => m.some((x) => x.event.type === "queue.paused"));
    const stored = (m: { event: any }) => m.event.type !== "SystemHealth";
    const expected = witness.messages.slice(witness.messages.findIndex((m) => m.id === lastId) + 1).filter(stored);
    expect(resumed.messages.filter(stored).map((m) => m.data)).toEqual(expected.map((m) => m.data));
    expect(resumed.messages.filter((m) => m.event.type === "JobCreated").map((m) => m.event.data.job_id)).toEqual(later);

    // The surviving node takes the leader lock over, and the background loops run there: an expired lease is reaped.
    await eventually(leaders, (rows) => rows.length === 1 && rows[0]!.pid !== firstLeader[0]!.pid, 10_000);
    const reg = await onB.post("/api/v1/workers/register", { queue_name: "liveness", hostname: "gone" });
    const job = (await onB.post("/api/v1/jobs", { queue_name: "liveness", payload: {}, max_retries: 3 })).body.id;
    const lease = (await onB.post("/api/v1/jobs/claim", { queue_name: "liveness", worker_id: reg.body.id, lease_duration_secs: 5 })).body.jobs[0];
    expect(lease.id).toBe(job);
    await eventually(async () => (await onB.get(`/api/v1/jobs/${job}`)).body.status, (s) => s === "pending", 20_000, 200);
    await witness.until((m) => m.some((x) => x.event.type === "JobFailed" && x.event.data.job_id === job));

    ws.close();
    witness.close();
    resumed.close();
  }, 120_000);
});
