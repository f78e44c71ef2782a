import type { Engine } from "../engine/context";
import { claimNotifications, finishNotificationAttempt, postponeNotification } from "../engine/outgoing-webhooks";
import { notificationHeaders } from "../domain/webhook-events";
import { sendThroughGate, type DeliveryRuntime } from "./runtime";

/**
 * Delivers the outbox of event notifications: claims due deliveries (SKIP LOCKED, safe on many nodes), sends
 * each through the host gates, and books the attempt. Never runs inside an API request.
 */
export class NotificationDispatcher {
  constructor(private engine: Engine, private rt: DeliveryRuntime) {}

  async run(): Promise<void> {
    const unlisten = await this.engine.db.listen("spindle_webhook_deliveries", () => this.rt.wakeAll(), () => this.rt.wakeAll());
    try {
      await this.rt.loop("claiming webhook deliveries", () => this.pump());
    } finally {
      await unlisten().catch(() => {});
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
