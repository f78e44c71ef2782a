import { test, expect } from "bun:test";
import { ticksToFire } from "../../src/domain/cron";

const at = (s: string) => new Date(`2026-03-01T10:00:${s}Z`);
const iso = (ds: Date[]) => ds.map((d) => d.toISOString().slice(17, 23));
const everySecond = "* * * * * *";

test("latest fires once for everything missed, keyed by the planned tick", () => {
  expect(iso(ticksToFire(everySecond, "UTC", at("00"), at("10.500"), { catchUp: "latest", windowSecs: 60, graceMs: 1000 }))).toEqual(["00.000"]);
});

test("skip fires only a tick that is on time, never a missed one", () => {
  expect(iso(ticksToFire(everySecond, "UTC", at("00"), at("10.500"), { catchUp: "skip", windowSecs: 60, graceMs: 1000 }))).toEqual(["10.000"]);
  // Every fifth second: the newest tick (:10) is 2.5 s old at :12.5, older than the grace, so nothing fires.
  expect(ticksToFire("*/5 * * * * *", "UTC", at("00"), at("12.500"), { catchUp: "skip", windowSecs: 60, graceMs: 1000 })).toEqual([]);
  // On time, as in normal running: the planned tick itself.
  expect(iso(ticksToFire(everySecond, "UTC", at("05"), at("05.200"), { catchUp: "skip", windowSecs: 60, graceMs: 1000 }))).toEqual(["05.000"]);
});

test("all fires every missed tick inside the window, oldest first", () => {
  expect(iso(ticksToFire(everySecond, "UTC", at("00"), at("10.500"), { catchUp: "all", windowSecs: 5, graceMs: 1000 }))).toEqual(["06.000", "07.000", "08.000", "09.000", "10.000"]);
  expect(ticksToFire(everySecond, "UTC", at("00"), at("10.500"), { catchUp: "all", windowSecs: 3600, graceMs: 1000 })).toHaveLength(11);
  expect(iso(ticksToFire("*/4 * * * * *", "UTC", at("00"), at("10.500"), { catchUp: "all", windowSecs: 3600, graceMs: 1000 }))).toEqual(["00.000", "04.000", "08.000"]);
});

test("nothing is due before the planned tick, and a long window is bounded", () => {
  expect(ticksToFire(everySecond, "UTC", at("20"), at("10"), { catchUp: "all", windowSecs: 60, graceMs: 1000 })).toEqual([]);
  const day = ticksToFire(everySecond, "UTC", new Date("2026-03-01T00:00:00Z"), new Date("2026-03-02T00:00:00Z"), { catchUp: "all", windowSecs: 604_800, graceMs: 1000 });
  expect(day).toHaveLength(1000);
  expect(day[0]!.toISOString()).toBe("2026-03-01T00:00:00.000Z");
});
