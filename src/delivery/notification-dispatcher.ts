import type { Engine } from "../engine/context";
import { claimNotifications, finishNotificationAttempt, postponeNotification } from "../engine/outgoing-webhooks";
import { notificationHeaders } from "../domain/webhook-events";
import { attemptHttp, isDestinationFailure, type AttemptOutcome } from "./http-attempt";
import type { DeliveryRuntime } from "./runtime";

const IDLE_POLL_MS = 250;
/** How long a request may wait in its host's line before the job is handed back. */
const HOST_WAIT_MS = 5000;

/**
 * Delivers the outbox of event notifications: claims due deliveries (SKIP LOCKED, safe on many nodes), sends
 * each through the host gates, and books the attempt. Never runs inside an API request.
 */
export class NotificationDispatcher {
  private inFlight = new Set<Promise<void>>();

  constructor(private engine: Engine, private rt: DeliveryRuntime) {}

  async run(): Promise<void> {
    const stop = this.rt.stopping.signal;
    const unlisten = await this.engine.db.listen("spindle_webhook_deliveries", () => this.rt.wakeAll(), () => this.rt.wakeAll());
    try {
      while (!stop.aborted) {
        let claimed = 0;
        try {
          claimed = await this.pump();
        } catch (err) {
          if (!this.engine.config.quiet) console.warn(`[webhooks] claiming deliveries failed: ${(err as Error).message}`);
        }
        // PGlite answers without a trip through the event loop: yield, or sockets and timers starve.
        if (claimed === 0 && !stop.aborted) await this.rt.waitForWork(IDLE_POLL_MS);
        else await Bun.sleep(0);
      }
    } finally {
      await unlisten().catch(() => {});
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private async pump(): Promise<number> {
    const free = this.rt.freeSlots;
    if (free === 0) return 0;
    this.rt.reserve(free);
    let rows: any[] = [];
    try {
      rows = await claimNotifications(this.engine, Math.min(free, 64), this.engine.config.webhooks.timeoutMs / 1000 + 30);
    } finally {
      this.rt.reserve(rows.length - free);
    }
    for (const row of rows) {
      const tracked = this.deliver(row)
        .catch((err) => {
          if (!this.engine.config.quiet) console.warn(`[webhooks] delivery ${row.id} failed: ${(err as Error).message}`);
        })
        .finally(() => {
          this.inFlight.delete(tracked);
          this.rt.releaseSlot();
        });
      this.inFlight.add(tracked);
    }
    return rows.length;
  }

  private async deliver(row: any): Promise<void> {
    const e = this.engine;
    let host: string;
    try {
      host = new URL(row.url).host;
    } catch {
      host = row.url;
    }
    const admission = await this.rt.gates.acquire(host, row.organization_id, HOST_WAIT_MS);
    if (!admission.admitted) {
      await postponeNotification(e, row.id, admission.waitMs / 1000);
      return;
    }
    let outcome: AttemptOutcome | undefined;
    const body = JSON.stringify(row.payload);
    try {
      const headers = notificationHeaders(row.event, row.id, row.attempts + 1, body, row.secret);
      outcome = await attemptHttp({ url: row.url, method: "POST", headers, body, timeoutMs: e.config.webhooks.timeoutMs }, e.config.mode, this.rt.resolve, this.rt.stopping.signal);
    } finally {
      this.rt.gates.release(host, outcome && outcome.errorClass !== "blocked" && !this.rt.stopping.signal.aborted ? !isDestinationFailure(outcome) : null);
    }
    if (this.rt.stopping.signal.aborted && !outcome.ok) {
      await postponeNotification(e, row.id, 0);
      return;
    }
    await finishNotificationAttempt(e, row, outcome);
  }
}
