import type { Engine } from "../engine/context";
import type { Queryable } from "../db/types";
import { claimJobs, deferJob, failJob, type LeaseProof } from "../engine/leases";
import { isDeliveryQueue, recordJobAttempt, signingSecrets } from "../engine/delivery-queues";
import { dueDeliveryQueues } from "../store/delivery-queues";
import { deliveryPayloadSchema } from "../domain/webhook-schemas";
import { standardWebhookSignature } from "../domain/signatures";
import type { AttemptOutcome } from "./http-attempt";
import { internalPrincipal } from "../engine/context";
import { sendThroughGate, type DeliveryRuntime } from "./runtime";
import { CompletionBatcher } from "./completion-batch";

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
  private cursor = 0;
  private known: { organization_id: string; queue_name: string }[] = [];
  private discoveredAt = 0;
  private lastClaimed = 0;
  private bookings: CompletionBatcher;

  constructor(private engine: Engine, private rt: DeliveryRuntime) {
    this.bookings = new CompletionBatcher(engine, rt.workerId);
  }

  async run(): Promise<void> {
    const unsubscribe = this.engine.signals.subscribe((_org, queue) => {
      if (queue === "*" || isDeliveryQueue(queue)) this.rt.wakeAll();
    });
    try {
      await this.rt.loop("claiming delivery jobs", () => this.pump());
    } finally {
      unsubscribe();
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
    if (this.rt.freeSlots < Math.min(CLAIM_BATCH, Math.ceil(this.engine.config.webhooks.concurrency / 4)) && this.rt.busy > 0) return 0;
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
      for (const job of jobs) this.rt.track(this.deliver(job), `delivery job ${job.id}`);
      claimed += jobs.length;
    }
    this.cursor++;
    this.lastClaimed = claimed;
    return claimed;
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
    const sent = await sendThroughGate(this.rt, spec.url, job.organization_id, async () => {
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
      return { url: spec.url, method: spec.method, headers, body: body.text, timeoutMs };
    });
    if (sent.kind === "refused") return void (await deferJob(e, p, proof, sent.waitMs / 1000, sent.reason));
    if (sent.kind === "interrupted") return void (await deferJob(e, p, proof, 0, "server shutting down"));
    const outcome = sent.outcome;
    // The attempt is booked in the transaction of the transition it causes: both or neither.
    const attempt = job.retry_count + 1;
    if (outcome.ok) return this.bookings.book(job.organization_id, job.id, job.lease_id, attempt, outcome);
    const alongside = (tx: Queryable) => recordJobAttempt(tx, job.organization_id, job.id, attempt, outcome);
    try {
      await failJob(e, p, proof, describeFailure(outcome), outcome.errorClass !== "blocked", { minDelaySecs: outcome.retryAfterSecs, alongside });
    } catch (err) {
      // The lease was lost meanwhile (reaped, cancelled): the request still happened, so it is still recorded.
      await alongside(e.db);
      throw err;
    }
  }
}
