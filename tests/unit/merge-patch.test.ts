import { test, expect } from "bun:test";
import { applyMergePatch } from "../../src/domain/merge-patch";

// The test vectors of RFC 7386, appendix A.
const vectors: [unknown, unknown, unknown][] = [
  [{ a: "b" }, { a: "c" }, { a: "c" }],
  [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
  [{ a: "b" }, { a: null }, {}],
  [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
  [{ a: ["b"] }, { a: "c" }, { a: "c" }],
  [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
  [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
  [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
  [["a", "b"], ["c", "d"], ["c", "d"]],
  [{ a: "b" }, ["c"], ["c"]],
  [{ a: "foo" }, null, null],
  [{ a: "foo" }, "bar", "bar"],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: "b", c: null }, { a: "b" }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

test("JSON merge patch follows every example of RFC 7386", () => {
  for (const [target, patch, result] of vectors) expect(JSON.parse(JSON.stringify(applyMergePatch(target, patch)))).toEqual(result as any);
});

test("a member named __proto__ is copied as data and never changes a prototype", () => {
  const patched = applyMergePatch({ a: 1 }, JSON.parse('{"__proto__": {"polluted": true}}')) as any;
  expect(JSON.stringify(patched)).toBe('{"a":1,"__proto__":{"polluted":true}}');
  expect(({} as any).polluted).toBeUndefined();
  expect(patched.polluted).toBeUndefined();
});
