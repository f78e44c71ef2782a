import type { Engine } from "../engine/context";
import { completeJobs } from "../engine/leases";
import { recordJobAttempts } from "../engine/delivery-queues";
import { AppError, notFound } from "../domain/errors";
import type { AttemptOutcome } from "./http-attempt";
import { internalPrincipal } from "../engine/context";

/** A successful delivery waiting to be booked: its completion and its attempt record commit together. */
interface Booking {
  orgId: string;
  jobId: string;
  leaseId: string | null;
  attempt: number;
  outcome: AttemptOutcome;
  booked: () => void;
  refused: (err: unknown) => void;
}

/** More than this many waiting bookings commit in several transactions (bounded statement size). */
const MAX_BATCH = 100;

/**
 * Books successful deliveries in group commits: the first one commits at once, and those that finish while a
 * commit is under way wait for it and then go together in the next, as one completion statement and one attempt
 * insert in one transaction per organization. A transaction per delivery (with its hooks) was what capped the
 * dispatcher, not the HTTP requests.
 */
export class CompletionBatcher {
  private waiting: Booking[] = [];
  private flushing = false;

  constructor(private engine: Engine, private workerId: string) {}

  /**
   * Resolves once the job is completed with its attempt recorded; rejects when the lease was lost meanwhile (the
   * attempt is recorded all the same: the request happened).
   */
  book(orgId: string, jobId: string, leaseId: string | null, attempt: number, outcome: AttemptOutcome): Promise<void> {
    return new Promise((booked, refused) => {
      this.waiting.push({ orgId, jobId, leaseId, attempt, outcome, booked, refused });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_BATCH);
        const byOrg = new Map<string, Booking[]>();
        for (const b of batch) (byOrg.get(b.orgId) ?? byOrg.set(b.orgId, []).get(b.orgId)!).push(b);
        for (const [orgId, bookings] of byOrg) await this.commit(orgId, bookings);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commit(orgId: string, bookings: Booking[]): Promise<void> {
    const attempts = bookings.map((b) => ({ orgId, jobId: b.jobId, attempt: b.attempt, outcome: b.outcome }));
    const items = bookings.map((b) => ({
      jobId: b.jobId,
      leaseId: b.leaseId,
      result: { status_code: b.outcome.status, latency_ms: Math.round(b.outcome.latencyMs), attempt: b.attempt },
    }));
    let result;
    try {
      result = await completeJobs(this.engine, internalPrincipal(orgId), this.workerId, items, (tx) => recordJobAttempts(tx, attempts));
    } catch (err) {
      // The transaction failed as a whole: the requests still happened, so their attempts are still recorded.
      await recordJobAttempts(this.engine.db, attempts).catch(() => {});
      for (const b of bookings) b.refused(err);
      return;
    }
    const missed = new Map(result.failed.map((f) => [f.job_id, f]));
    for (const b of bookings) {
      const failure = missed.get(b.jobId);
      if (!failure) b.booked();
      else b.refused(failure.code === "LEASE_EXPIRED" ? new AppError("LEASE_EXPIRED", failure.error) : notFound(failure.error));
    }
  }
}
