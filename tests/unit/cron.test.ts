import { describe, test, expect } from "bun:test";
import { cronProblem, fixedOffsetMinutes, isValidTimezone, nextRunAfter } from "../../src/domain/cron";

/** The next `n` fires after `from`, as ISO strings. */
function fires(expression: string, zone: string, from: string, n = 3): string[] {
  const out: string[] = [];
  let after = new Date(from);
  for (let i = 0; i < n; i++) {
    const next = nextRunAfter(expression, zone, after);
    if (!next) break;
    out.push(next.toISOString());
    after = next;
  }
  return out;
}

describe("next run across daylight-saving changes", () => {
  test("America/New_York spring forward: 02:30 does not exist on 8 March 2026, so it runs once at 03:00 EDT", () => {
    expect(fires("30 2 * * *", "America/New_York", "2026-03-07T12:00:00Z")).toEqual([
      "2026-03-08T07:00:00.000Z", // 03:00 EDT, right after the gap
      "2026-03-09T06:30:00.000Z", // 02:30 EDT
      "2026-03-10T06:30:00.000Z",
    ]);
  });

  test("America/New_York fall back: 01:30 happens twice on 1 November 2026 and runs once, at the first", () => {
    expect(fires("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z")).toEqual([
      "2026-11-01T05:30:00.000Z", // 01:30 EDT; the 01:30 EST an hour later is skipped
      "2026-11-02T06:30:00.000Z", // 01:30 EST
      "2026-11-03T06:30:00.000Z",
    ]);
  });

  test("America/New_York: an interval job follows the wall clock through the repeated hour", () => {
    expect(fires("0 * * * *", "America/New_York", "2026-11-01T04:30:00Z", 4)).toEqual([
      "2026-11-01T05:00:00.000Z", // 01:00 EDT
      "2026-11-01T06:00:00.000Z", // 01:00 EST (the hour passes again)
      "2026-11-01T07:00:00.000Z", // 02:00 EST
      "2026-11-01T08:00:00.000Z",
    ]);
  });

  test("Europe/London spring forward: 01:30 on 29 March 2026 runs at 02:00 BST", () => {
    expect(fires("30 1 * * *", "Europe/London", "2026-03-28T12:00:00Z")).toEqual([
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
      "2026-03-31T00:30:00.000Z",
    ]);
  });

  test("Europe/London fall back: 01:15 on 25 October 2026 runs once", () => {
    expect(fires("15 1 * * *", "Europe/London", "2026-10-24T12:00:00Z")).toEqual([
      "2026-10-25T00:15:00.000Z", // 01:15 BST
      "2026-10-26T01:15:00.000Z", // 01:15 GMT
      "2026-10-27T01:15:00.000Z",
    ]);
  });

  test("Australia/Lord_Howe: the 30-minute spring gap (02:00 -> 02:30) moves 02:15 to 02:30 that day", () => {
    expect(fires("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z")).toEqual([
      "2026-10-03T15:30:00.000Z", // 02:30 +11:00 on 4 October
      "2026-10-04T15:15:00.000Z", // 02:15 +11:00
      "2026-10-05T15:15:00.000Z",
    ]);
  });

  test("Australia/Lord_Howe: the repeated half hour (01:30-02:00) runs 01:45 once", () => {
    expect(fires("45 1 * * *", "Australia/Lord_Howe", "2026-04-04T00:00:00Z")).toEqual([
      "2026-04-04T14:45:00.000Z", // 01:45 +11:00 on 5 April
      "2026-04-05T15:15:00.000Z", // 01:45 +10:30 on 6 April
      "2026-04-06T15:15:00.000Z",
    ]);
  });

  test("a fixed offset never shifts", () => {
    expect(fires("0 9 * * *", "+05:30", "2026-03-07T12:00:00Z")).toEqual(["2026-03-08T03:30:00.000Z", "2026-03-09T03:30:00.000Z", "2026-03-10T03:30:00.000Z"]);
    expect(fires("0 9 * * *", "-03:00", "2026-11-01T00:00:00Z", 1)).toEqual(["2026-11-01T12:00:00.000Z"]);
  });
});

describe("expressions", () => {
  test("6 fields have second precision and the next run is strictly after the given instant", () => {
    expect(fires("* * * * * *", "UTC", "2026-01-01T00:00:00.000Z", 2)).toEqual(["2026-01-01T00:00:01.000Z", "2026-01-01T00:00:02.000Z"]);
    expect(fires("* * * * * *", "UTC", "2026-01-01T00:00:00.400Z", 1)).toEqual(["2026-01-01T00:00:01.000Z"]);
    expect(fires("0 0 * * * *", "UTC", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-01-01T01:00:00.000Z"]);
  });

  test("day of month and day of week are OR-ed, and 7 is Sunday", () => {
    // The 15th (a Thursday in January 2026) or any Monday.
    expect(fires("0 12 15 * 1", "UTC", "2026-01-10T00:00:00Z", 3)).toEqual(["2026-01-12T12:00:00.000Z", "2026-01-15T12:00:00.000Z", "2026-01-19T12:00:00.000Z"]);
    expect(fires("0 0 * * 7", "UTC", "2026-03-07T12:00:00Z", 1)).toEqual(["2026-03-08T00:00:00.000Z"]);
  });

  test("bad expressions are explained", () => {
    expect(cronProblem("*/5 * * * *")).toBeNull();
    expect(cronProblem("0 0 * * * *")).toBeNull();
    expect(cronProblem("0 0 * * * * *")).toContain("5 or 6 fields");
    expect(cronProblem("@daily")).toContain("5 or 6 fields");
    expect(cronProblem("61 * * * *")).toContain("Invalid cron expression");
    expect(cronProblem("0 0 30 2 *")).toContain("never matches");
    expect(cronProblem("0 0 ? * *")).toContain("?");
  });

  test("time zones: IANA names and ±HH:MM offsets", () => {
    expect(isValidTimezone("UTC")).toBe(true);
    expect(isValidTimezone("America/New_York")).toBe(true);
    expect(isValidTimezone("+05:30")).toBe(true);
    expect(isValidTimezone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimezone("+25:00")).toBe(false);
    expect(isValidTimezone("")).toBe(false);
    expect(fixedOffsetMinutes("-09:30")).toBe(-570);
    expect(fixedOffsetMinutes("Europe/Paris")).toBeUndefined();
  });
});
