import { test, expect } from "bun:test";
import { measureJson, jsonByteLength } from "../../src/domain/json-limits";
import { deepJson } from "../helpers/hostile";

test("measures the same bytes JSON.stringify writes", () => {
  const values = [null, 0, -1.5e-7, 1e308, true, false, "", "ü💥\"\\\n\u0001", [], {}, [1, [2, [3]], { a: null }], { "k\"ey": { nested: ["x", 2, { y: false }] }, empty: [] }, { skipped: undefined, kept: 1 }, [undefined, NaN, Infinity]];
  for (const v of values) expect({ v, bytes: jsonByteLength(v) }).toEqual({ v, bytes: Buffer.byteLength(JSON.stringify(v)) });
});

test("depth: a scalar is 0, each container one more; the limit itself passes", () => {
  expect(measureJson(1, 100, 0).tooDeep).toBe(false);
  expect(measureJson({}, 100, 0).tooDeep).toBe(true);
  expect(measureJson(deepJson(64), 1e6, 64).tooDeep).toBe(false);
  expect(measureJson(deepJson(65), 1e6, 64).tooDeep).toBe(true);
  expect(measureJson(deepJson(65, "array"), 1e6, 64).tooDeep).toBe(true);
});

test("a million levels are measured without recursion, and stop early", () => {
  expect(measureJson(deepJson(1_000_000), 1e9, 64)).toMatchObject({ tooDeep: true });
  expect(measureJson(["x".repeat(100), "y".repeat(100)], 150, 64)).toMatchObject({ tooBig: true });
});
