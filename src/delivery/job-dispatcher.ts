import type { Engine } from "../engine/context";
import { claimJobs, completeJob, deferJob, failJob, type LeaseProof } from "../engine/leases";
import { isDeliveryQueue, recordJobAttempt, signingSecrets } from "../engine/delivery-queues";
import { dueDeliveryQueues } from "../store/delivery-queues";
import { deliveryPayloadSchema } from "../domain/webhook-schemas";
import { standardWebhookSignature } from "../domain/signatures";
import { attemptHttp, isDestinationFailure, type AttemptOutcome } from "./http-attempt";
import { internalPrincipal, type DeliveryRuntime } from "./runtime";

const IDLE_POLL_MS = 250;
/** How long a request may wait in its host's line before the job is handed back. */
const HOST_WAIT_MS = 5000;
const CLAIM_BATCH = 32;
const DISCOVERY_MS = 1000;

/** Why an attempt failed, as the job's last_error: status and the start of the answer, or the error class. */
function describeFailure(o: AttemptOutcome): string {
  const excerpt = o.bodyExcerpt ? `: ${o.bodyExcerpt.slice(0, 300)}` : "";
  return `${o.errorClass}: ${o.error}${o.errorClass === "http" ? excerpt : ""}`.slice(0, 2048);
}

function requestBody(body: unknown): { text: string | null; json: boolean } {
  if (body === undefined || body === null) return { text: null, json: false };
  if (typeof body === "string") return { text: body, json: false };
  return { text: JSON.stringify(body), json: true };
}

/**
 * Works HTTP delivery queues as an internal worker: claims through the same engine functions as any worker,
 * makes the request, records the attempt, then completes, fails (with Retry-After honoured) or — when the
 * destination's circuit is open or at its cap — hands the job back without spending an attempt.
 */
export class JobDeliveryDispatcher {
  private inFlight = new Set<Promise<void>>();
  private cursor = 0;
  private known: { organization_id: string; queue_name: string }[] = [];
  private discoveredAt = 0;
  private lastClaimed = 0;

  constructor(private engine: Engine, private rt: DeliveryRuntime) {}

  async run(): Promise<void> {
    const stop = this.rt.stopping.signal;
    const unsubscribe = this.engine.signals.subscribe((_org, queue) => {
      if (queue === "*" || isDeliveryQueue(queue)) this.rt.wakeAll();
    });
    try {
      while (!stop.aborted) {
        let claimed = 0;
        try {
          claimed = await this.pump();
        } catch (err) {
          if (!this.engine.config.quiet) console.warn(`[delivery] claiming failed: ${(err as Error).message}`);
        }
        // PGlite answers without a trip through the event loop: yield, or sockets and timers starve.
        if (claimed === 0 && !stop.aborted) await this.rt.waitForWork(IDLE_POLL_MS);
        else await Bun.sleep(0);
      }
    } finally {
      unsubscribe();
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /**
   * Which delivery queues have due work. Finding out scans the due part of every delivery queue, so the answer is
   * reused while claims from it keep succeeding, and asked again at most every DISCOVERY_MS otherwise.
   */
  private async dueQueues(lastRoundClaimed: boolean): Promise<{ organization_id: string; queue_name: string }[]> {
    if (lastRoundClaimed && this.known.length > 0 && Date.now() - this.discoveredAt < DISCOVERY_MS) return this.known;
    this.known = await dueDeliveryQueues(this.engine.db);
    this.discoveredAt = Date.now();
    return this.known;
  }

  /** One round over the queues with due work, claiming as many jobs as there are free slots. */
  private async pump(): Promise<number> {
    // Claim in batches: one claim per freed slot would cost a transaction per job.
    if (this.rt.freeSlots < Math.min(CLAIM_BATCH, Math.ceil(this.engine.config.webhooks.concurrency / 4)) && this.inFlight.size > 0) return 0;
    if (this.rt.freeSlots === 0) return 0;
    const queues = await this.dueQueues(this.lastClaimed > 0);
    let claimed = 0;
    for (let i = 0; i < queues.length && this.rt.freeSlots > 0; i++) {
      const { organization_id: orgId, queue_name: queueName } = queues[(this.cursor + i) % queues.length]!;
      const want = Math.min(CLAIM_BATCH, this.rt.freeSlots);
      this.rt.reserve(want);
      let jobs: any[] = [];
      try {
        jobs = await claimJobs(this.engine, internalPrincipal(orgId), { queueName, workerId: this.rt.workerId, limit: want, leaseSecs: 150 });
      } finally {
        this.rt.reserve(jobs.length - want);
      }
      for (const job of jobs) this.track(this.deliver(job));
      claimed += jobs.length;
    }
    this.cursor++;
    this.lastClaimed = claimed;
    return claimed;
  }

  private track(p: Promise<void>): void {
    const tracked = p
      .catch((err) => {
        if (!this.engine.config.quiet) console.warn(`[delivery] job delivery failed: ${(err as Error).message}`);
      })
      .finally(() => {
        this.inFlight.delete(tracked);
        this.rt.releaseSlot();
      });
    this.inFlight.add(tracked);
  }

  private async deliver(job: any): Promise<void> {
    const e = this.engine;
    const p = internalPrincipal(job.organization_id);
    const proof: LeaseProof = { jobId: job.id, workerId: this.rt.workerId, leaseId: job.lease_id };
    const parsed = deliveryPayloadSchema.safeParse(job.payload);
    if (!parsed.success) {
      await failJob(e, p, proof, `Invalid HTTP delivery payload: ${parsed.error.issues[0]?.message}`, false);
      return;
    }
    const spec = parsed.data;
    const host = new URL(spec.url).host;
    const admission = await this.rt.gates.acquire(host, job.organization_id, HOST_WAIT_MS);
    if (!admission.admitted) {
      await deferJob(e, p, proof, admission.waitMs / 1000, admission.reason);
      return;
    }
    let outcome: AttemptOutcome | undefined;
    try {
      const secrets = await signingSecrets(e, job.organization_id, job.queue_name);
      const body = requestBody(spec.body);
      const timestamp = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = {
        "user-agent": "Spindle-Webhook/1.0",
        ...(body.json ? { "content-type": "application/json" } : {}),
        ...spec.headers,
        "webhook-id": job.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": standardWebhookSignature(secrets, job.id, timestamp, body.text ?? ""),
      };
      const timeoutMs = spec.timeout_seconds ? spec.timeout_seconds * 1000 : e.config.webhooks.timeoutMs;
      outcome = await attemptHttp({ url: spec.url, method: spec.method, headers, body: body.text, timeoutMs }, e.config.mode, this.rt.resolve, this.rt.stopping.signal);
    } finally {
      this.rt.gates.release(host, outcome && outcome.errorClass !== "blocked" && !this.rt.stopping.signal.aborted ? !isDestinationFailure(outcome) : null);
    }
    if (this.rt.stopping.signal.aborted && !outcome.ok) {
      await deferJob(e, p, proof, 0, "server shutting down");
      return;
    }
    await recordJobAttempt(e, job.organization_id, job.id, job.retry_count + 1, outcome);
    if (outcome.ok) {
      await completeJob(e, p, proof, { status_code: outcome.status, latency_ms: Math.round(outcome.latencyMs), attempt: job.retry_count + 1 });
    } else {
      await failJob(e, p, proof, describeFailure(outcome), outcome.errorClass !== "blocked", outcome.retryAfterSecs);
    }
  }
}
