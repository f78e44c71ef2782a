import { Icon } from "./icons";

/**
 * Every status is shown as icon + word + colour, so it reads without colour (and in a screen reader). Tones map to
 * CSS variables (styles.css), one set per theme.
 */
type Tone = "neutral" | "info" | "progress" | "ok" | "warn" | "bad" | "muted";
const STATUS: Record<string, { label: string; tone: Tone; icon: string }> = {
  pending: { label: "Pending", tone: "info", icon: "pending" },
  scheduled: { label: "Scheduled", tone: "neutral", icon: "scheduled" },
  processing: { label: "Processing", tone: "progress", icon: "processing" },
  running: { label: "Running", tone: "progress", icon: "processing" },
  completed: { label: "Completed", tone: "ok", icon: "completed" },
  delivered: { label: "Delivered", tone: "ok", icon: "completed" },
  success: { label: "Success", tone: "ok", icon: "completed" },
  failed: { label: "Failed", tone: "bad", icon: "failed" },
  deadletter: { label: "Dead letter", tone: "bad", icon: "deadletter" },
  cancelled: { label: "Cancelled", tone: "muted", icon: "cancelled" },
  healthy: { label: "Healthy", tone: "ok", icon: "completed" },
  degraded: { label: "Degraded", tone: "warn", icon: "deadletter" },
  draining: { label: "Draining", tone: "warn", icon: "paused" },
  offline: { label: "Offline", tone: "muted", icon: "offline" },
  active: { label: "Active", tone: "ok", icon: "active" },
  paused: { label: "Paused", tone: "warn", icon: "paused" },
  closed: { label: "Closed", tone: "ok", icon: "completed" },
  open: { label: "Open", tone: "bad", icon: "open" },
  half_open: { label: "Half-open", tone: "warn", icon: "half" },
  enabled: { label: "Enabled", tone: "ok", icon: "completed" },
  disabled: { label: "Disabled", tone: "muted", icon: "cancelled" },
};

export const statusInfo = (status: string) => STATUS[status] ?? { label: status, tone: "neutral" as Tone, icon: "pending" };

export function Status({ status }: { status: string }) {
  const s = statusInfo(status);
  return (
    <span class={`status tone-${s.tone}`} data-status={status}>
      <Icon name={s.icon} size={13} />
      {s.label}
    </span>
  );
}

export const JOB_STATUSES = ["pending", "scheduled", "processing", "completed", "failed", "deadletter", "cancelled"] as const;
