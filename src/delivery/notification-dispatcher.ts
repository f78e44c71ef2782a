import type { Engine } from "../engine/context";
import { claimNotifications, finishNotificationAttempt, postponeNotification } from "../engine/outgoing-webhooks";
import { notificationHeaders } from "../domain/webhook-events";
import { sendThroughGate, type DeliveryRuntime } from "./runtime";

/** How often the outbox is asked for due work when no NOTIFY said there is some (the runtime's idle poll). */
const RECHECK_MS = 250;

/**
 * Delivers the outbox of event notifications: claims due deliveries (SKIP LOCKED, safe on many nodes), sends
 * each through the host gates, and books the attempt. Never runs inside an API request.
 */
export class NotificationDispatcher {
  /** Whether the outbox may have due work: set by its NOTIFY and by full claims, cleared by a short one. */
  private maybeDue = true;
  private lastClaimAt = 0;

  constructor(private engine: Engine, private rt: DeliveryRuntime) {}

  async run(): Promise<void> {
    const due = () => {
      this.maybeDue = true;
      this.rt.wakeAll();
    };
    const unlisten = await this.engine.db.listen("spindle_webhook_deliveries", due, due);
    try {
      await this.rt.loop("claiming webhook deliveries", () => this.pump());
    } finally {
      await unlisten().catch(() => {});
    }
  }

  /**
   * Claims when the outbox may have due work, else at most every RECHECK_MS (retries fall due without a NOTIFY).
   * The runtime wakes this loop whenever any slot frees: claiming on each of those wake-ups cost a query per job
   * delivered and held the free slots away from the job dispatcher meanwhile.
   */
  private async pump(): Promise<number> {
    const free = this.rt.freeSlots;
    if (free === 0) return 0;
    if (!this.maybeDue && Date.now() - this.lastClaimAt < RECHECK_MS) return 0;
    const want = Math.min(free, 64);
    this.maybeDue = false;
    this.lastClaimAt = Date.now();
    this.rt.reserve(want);
    let rows: any[] = [];
    try {
      rows = await claimNotifications(this.engine, want, this.engine.config.webhooks.timeoutMs / 1000 + 30);
    } finally {
      this.rt.reserve(rows.length - want);
    }
    if (rows.length === want) this.maybeDue = true;
    for (const row of rows) this.rt.track(this.deliver(row), `webhook delivery ${row.id}`);
    return rows.length;
  }

  private async deliver(row: any): Promise<void> {
    const e = this.engine;
    const body = JSON.stringify(row.payload);
    const sent = await sendThroughGate(this.rt, row.url, row.organization_id, async () => ({
      url: row.url,
      method: "POST",
      headers: notificationHeaders(row.event, row.id, row.attempts + 1, body, row.secret),
      body,
      timeoutMs: e.config.webhooks.timeoutMs,
    }));
    if (sent.kind === "refused") return postponeNotification(e, row.id, sent.waitMs / 1000);
    if (sent.kind === "interrupted") return postponeNotification(e, row.id, 0);
    await finishNotificationAttempt(e, row, sent.outcome);
  }
}
