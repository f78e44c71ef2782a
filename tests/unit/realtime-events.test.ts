import { describe, test, expect } from "bun:test";
import { accepts, parseEventNames, positionAfter, toWireEvents, type EventFilter, type StoredEvent } from "../../src/domain/realtime-events";

const row = (over: Partial<StoredEvent>): StoredEvent => ({
  source: "job", id: 10, tx: 500, organization_id: "org", queue_name: "q", job_id: "j1", kind: "created", status: "pending",
  old_status: null, worker_id: null, error: null, data: null, created_at: new Date("2026-01-01T00:00:00Z"), priority: 3,
  retry_count: 0, started_at: null, completed_at: null, result: null, ...over,
});
const wire = (r: StoredEvent) => toWireEvents(r).map((e) => JSON.parse(e.json));

describe("stored events to wire events", () => {
  test("a created job is JobCreated then its first status", () => {
    expect(wire(row({}))).toEqual([
      { type: "JobCreated", data: { job_id: "j1", queue_name: "q", priority: 3, timestamp: "2026-01-01T00:00:00.000Z" } },
      { type: "JobStatusChange", data: { job_id: "j1", queue_name: "q", old_status: "", new_status: "pending", timestamp: "2026-01-01T00:00:00.000Z" } },
    ]);
  });

  test("completion carries the duration and result; failures the error and attempt count", () => {
    const done = wire(row({ kind: "completed", status: "completed", old_status: "processing", started_at: new Date(1000), completed_at: new Date(3500), result: { ok: 1 } }));
    expect(done.map((e) => e.type)).toEqual(["JobStatusChange", "JobCompleted"]);
    expect(done[1].data).toMatchObject({ duration_ms: 2500, result: { ok: 1 } });
    const failed = wire(row({ kind: "failed", status: "pending", old_status: "processing", error: "boom", data: { retry_count: 2 }, retry_count: 5 }));
    expect(failed[1]).toMatchObject({ type: "JobFailed", data: { error: "boom", retry_count: 2 } });
    const reaped = wire(row({ kind: "lease_expired", status: "pending", old_status: "processing", error: "Lease expired", retry_count: 1 }));
    expect(reaped[1]).toMatchObject({ type: "JobFailed", data: { retry_count: 1 } });
  });

  test("a row that changes no status gives nothing; domain events keep dotted names unless the contract names them", () => {
    expect(wire(row({ kind: "priority_changed", status: "pending", old_status: "pending" }))).toEqual([]);
    const domain = (kind: string, data: any) => wire(row({ source: "domain", kind, status: null, data }))[0];
    expect(domain("worker.registered", { worker_id: "w", queue_name: "q", hostname: "h" })).toEqual({ type: "WorkerRegistered", data: { worker_id: "w", queue_name: "q", timestamp: "2026-01-01T00:00:00.000Z" } });
    expect(domain("queue.paused", { queue_name: "q", reason: "r" })).toEqual({ type: "queue.paused", data: { queue_name: "q", reason: "r", timestamp: "2026-01-01T00:00:00.000Z" } });
  });
});

describe("filters and positions", () => {
  const e = (over: Partial<StoredEvent> = {}) => toWireEvents(row(over))[0]!;
  const base: EventFilter = { orgId: "org", allowedQueues: null, names: null };

  test("organization, queue scope, queue, job and names all narrow", () => {
    expect(accepts(base, e())).toBe(true);
    expect(accepts({ ...base, orgId: "other" }, e())).toBe(false);
    expect(accepts({ ...base, allowedQueues: new Set(["x"]) }, e())).toBe(false);
    expect(accepts({ ...base, allowedQueues: new Set(["q"]) }, e())).toBe(true);
    expect(accepts({ ...base, allowedQueues: new Set(["q"]) }, e({ queue_name: null }))).toBe(false);
    expect(accepts({ ...base, queue: "q" }, e())).toBe(true);
    expect(accepts({ ...base, jobId: "j2" }, e())).toBe(false);
    expect(accepts({ ...base, names: parseEventNames("job.created") }, e())).toBe(true);
    expect(accepts({ ...base, names: parseEventNames("JOB.FAILED, ping") }, e())).toBe(false);
  });

  test("events query: absent, empty or * mean everything", () => {
    expect(parseEventNames(undefined)).toBeNull();
    expect(parseEventNames("")).toBeNull();
    expect(parseEventNames("job.created,*")).toBeNull();
    expect(parseEventNames(" Job.Created , queue.stats ")).toEqual(new Set(["job.created", "queue.stats"]));
  });

  test("positions order by transaction first, then id", () => {
    expect(positionAfter({ tx: 2, id: 1 }, { tx: 1, id: 99 })).toBe(true);
    expect(positionAfter({ tx: 1, id: 5 }, { tx: 1, id: 4 })).toBe(true);
    expect(positionAfter({ tx: 1, id: 4 }, { tx: 1, id: 4 })).toBe(false);
  });
});
