import { Cell } from "./cell";

/** Ticks every 5 s so that relative times ("12 s ago") stay true without refetching. */
export const clock = new Cell(Date.now());
setInterval(() => clock.set(Date.now()), 5_000);

export function duration(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 >= 1 && s < 600 ? ` ${Math.floor(s % 60)} s` : ""}`;
  if (s < 86400) return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ""}`;
  return `${Math.floor(s / 86400)} d${Math.floor((s % 86400) / 3600) ? ` ${Math.floor((s % 86400) / 3600)} h` : ""}`;
}

export function relative(iso: string | null | undefined, now = clock.get()): string {
  if (!iso) return "—";
  const secs = (Date.parse(iso) - now) / 1000;
  if (Math.abs(secs) < 2) return "just now";
  return secs < 0 ? `${duration(-secs)} ago` : `in ${duration(secs)}`;
}

export function dateTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return "—";
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium", timeZone }).format(new Date(iso));
  } catch {
    return new Date(iso).toLocaleString();
  }
}

/** Compact, with the zone's abbreviation: "Tue, Dec 1, 10:30 PM EST" (schedules show their own zone). */
export function zonedTime(iso: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short", timeZone }).format(new Date(iso));
  } catch {
    return dateTime(iso);
  }
}

export function shortTime(iso: string): string {
  return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

export const count = (n: number | null | undefined) => (n ?? 0).toLocaleString();

export function json(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(value, null, 2);
}

export function shortId(id: string): string {
  return id.length > 14 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}
