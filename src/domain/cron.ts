import { Cron } from "croner";

/**
 * Cron computation, pure. Expressions have 5 fields (minute precision) or 6 (seconds first); zones are IANA names
 * or fixed ±HH:MM offsets. Daylight-saving rule (docs/schedules.md): a job with a fixed time of day whose local
 * time falls in a spring-forward gap runs once, right after the gap, that day; in a repeated (fall-back) hour it
 * runs once, at the first occurrence. Jobs with a wildcard or step in the time fields follow the wall clock.
 */

const OFFSET = /^([+-])(\d{2}):(\d{2})$/;

/** Minutes east of UTC for a `±HH:MM` zone, or undefined when the zone is not a fixed offset. */
export function fixedOffsetMinutes(zone: string): number | undefined {
  const m = OFFSET.exec(zone);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = Number(m[3]);
  if (hours > 14 || minutes > 59) return undefined;
  return (m[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
}

export function isValidTimezone(zone: string): boolean {
  if (OFFSET.test(zone)) return fixedOffsetMinutes(zone) !== undefined;
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function cronFor(expression: string, zone: string): Cron {
  const offset = fixedOffsetMinutes(zone);
  return new Cron(expression.trim(), {
    mode: "5-or-6-parts",
    // Lists and ranges of fixed times count as fixed times too (Vixie cron's rule), not only single values.
    fixedTimeRule: "no-wildcard",
    ...(offset !== undefined ? { utcOffset: offset } : { timezone: zone === "" ? "UTC" : zone }),
  });
}

/** Why an expression is refused, or null when it is a usable 5- or 6-field expression. */
export function cronProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return "cron_expression must have 5 or 6 fields";
  if (expression.includes("?")) return "cron_expression must not contain '?'";
  try {
    if (!cronFor(expression, "UTC").nextRun(new Date())) return "cron_expression never matches a date";
  } catch (err) {
    return `Invalid cron expression: ${(err as Error).message.replace(/^CronPattern: /, "")}`;
  }
  return null;
}

/** The first fire strictly after `after`, computed in the zone, as a UTC instant; null when there is none. */
export function nextRunAfter(expression: string, zone: string, after: Date): Date | null {
  return cronFor(expression, zone).nextRun(after) ?? null;
}

export type CatchUp = "skip" | "latest" | "all";

/** The most ticks one pass fires for `catch_up: all` (a long window of a per-second schedule stays bounded). */
export const MAX_CATCH_UP_FIRES = 1000;

/**
 * The ticks a due schedule fires now, oldest first, given its first unfired planned tick and the database's now.
 * A tick is on time when it is at most `graceMs` old. `skip`: only an on-time tick (the newest due one);
 * `latest`: one fire for everything missed, keyed by the planned tick (the contract's one catch-up fire);
 * `all`: every due tick within the window (the oldest MAX_CATCH_UP_FIRES of them), and always an on-time one.
 */
export function ticksToFire(
  expression: string,
  zone: string,
  planned: Date,
  now: Date,
  policy: { catchUp: CatchUp; windowSecs: number; graceMs: number },
): Date[] {
  if (+planned > +now) return [];
  if (policy.catchUp === "latest") return [planned];
  const lookbackMs = policy.catchUp === "all" ? Math.max(policy.windowSecs * 1000, policy.graceMs) : policy.graceMs;
  const from = new Date(Math.max(+planned, +now - lookbackMs));
  const ticks: Date[] = [];
  // `from` itself is a candidate: it is the planned tick or a window edge that may sit on a tick.
  const cap = policy.catchUp === "skip" ? Number.MAX_SAFE_INTEGER : MAX_CATCH_UP_FIRES;
  for (let t = nextRunAfter(expression, zone, new Date(+from - 1)); t && +t <= +now && ticks.length < cap; t = nextRunAfter(expression, zone, t)) ticks.push(t);
  return policy.catchUp === "skip" ? ticks.slice(-1) : ticks;
}
