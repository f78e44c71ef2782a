import type { DomainEvent, Engine, Principal } from "./context";
import type { Queryable } from "../db/types";
import * as store from "../store/events";
import { getJob } from "./jobs";
import { assertQueueAllowed } from "./context";
import { badRequest } from "../domain/errors";
import { isValidQueueName } from "../domain/validate";
import { liveEvent, scopeOf, type EventFilter, type Position, type WireEvent } from "../domain/realtime-events";
import type { CatchUpReader } from "../bus/subscription";

/** onEvent hook: a domain event becomes a row in the same transaction as the change it reports. */
export async function persistDomainEvent(tx: Queryable, event: DomainEvent): Promise<void> {
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  await store.insertDomainEvent(tx, { orgId: event.orgId, type: event.type, queueName: str(event.data.queue_name), jobId: str(event.data.job_id), data: event.data });
}

/** Background: old domain events go; heartbeats sooner than the rest. */
export async function pruneDomainEvents(e: Engine): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await store.pruneDomainEvents(e.db, e.config.eventRetentionSecs, Math.min(3600, e.config.eventRetentionSecs), ["worker.heartbeat"]);
    total += n;
    if (n < 5000) return total;
  }
}

/** A client's Last-Event-ID as a position; anything that is not an event id means "start live". */
export async function resumePosition(e: Engine, lastEventId: string | undefined): Promise<Position | undefined> {
  const raw = lastEventId?.trim();
  if (!raw || !/^\d{1,15}$/.test(raw)) return undefined;
  const found = await store.positionOfEvent(e.db, Number(raw));
  return found?.position ?? (await store.currentHorizon(e.db));
}

export type StreamTarget = { kind: "org" } | { kind: "queue"; queue: string } | { kind: "job"; jobId: string };

/** Checks what a principal asks to watch (400 for a malformed queue name, 403 outside the key's scope). */
export function streamFilter(p: Principal, target: StreamTarget, names: Set<string> | null): EventFilter {
  const filter: EventFilter = { orgId: p.orgId, allowedQueues: scopeOf(p.queues), names };
  if (target.kind === "queue") {
    if (!isValidQueueName(target.queue)) throw badRequest("Invalid queue name");
    assertQueueAllowed(p, target.queue);
    filter.queue = target.queue;
  }
  if (target.kind === "job") filter.jobId = target.jobId;
  return filter;
}

export function catchUpReader(e: Engine, f: EventFilter): CatchUpReader {
  return (from, to, limit) => store.readEventsBetween(e.db, from, to, { orgId: f.orgId, queueName: f.queue, jobId: f.jobId }, limit);
}

/** A job's status now and the position of the event that set it (404 for unknown or out-of-scope jobs). */
export async function observeJob(e: Engine, p: Principal, jobId: string): Promise<{ event: WireEvent; position: Position | undefined; status: string }> {
  const job = await getJob(e, p, jobId);
  const latest = await store.latestJobEvent(e.db, p.orgId, jobId);
  const event = liveEvent("JobStatusChange", { job_id: job.id, queue_name: job.queue_name, old_status: "", new_status: job.status }, p.orgId, job.queue_name);
  if (latest) Object.assign(event, { id: latest.id });
  return { event, position: latest ? { tx: latest.tx, id: latest.id } : undefined, status: job.status };
}

export async function queueStatsEvent(e: Engine, p: Principal, queue: string): Promise<WireEvent> {
  const counts = await store.queueCounts(e.db, p.orgId, queue);
  return liveEvent("QueueStats", { queue_name: queue, ...counts }, p.orgId, queue);
}

/** SystemHealth, with the database check shared by every stream of the node for a few seconds. */
export async function systemHealthEvent(e: Engine, orgId: string): Promise<WireEvent> {
  let check = e.memory.healthCheck;
  if (!check || Date.now() - check.at > 5000) {
    check = { at: Date.now(), ok: store.databaseAnswers(e.db) };
    e.memory.healthCheck = check;
  }
  return liveEvent("SystemHealth", { database: await check.ok, redis: false }, orgId);
}
