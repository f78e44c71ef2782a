import { describe, test, expect } from "bun:test";
import { checkWorkflowGraph } from "../../src/domain/workflow-graph";

const refusal = (jobs: { key: string; depends_on?: string[] }[]) => {
  try {
    checkWorkflowGraph(jobs);
  } catch (err: any) {
    return { message: err.message, field: err.details[0].field };
  }
  return null;
};

describe("workflow graph check", () => {
  test("orders a diamond with dependencies first", () => {
    const order = checkWorkflowGraph([{ key: "d", depends_on: ["b", "c"] }, { key: "b", depends_on: ["a"] }, { key: "c", depends_on: ["a"] }, { key: "a" }]);
    expect(order.map((i) => ["d", "b", "c", "a"][i])).toEqual(["a", "b", "c", "d"]);
  });

  test("refuses cycles, self-edges, unknown and duplicate keys, naming the field", () => {
    expect(refusal([{ key: "a", depends_on: ["b"] }, { key: "b", depends_on: ["a"] }])?.message).toBe("Circular dependency detected in workflow");
    expect(refusal([{ key: "a", depends_on: ["a"] }])).toEqual({ message: "Circular dependency detected in workflow", field: "jobs.0.depends_on" });
    expect(refusal([{ key: "a" }, { key: "b", depends_on: ["zz"] }])).toEqual({ message: "Job 'b' depends on unknown job 'zz'", field: "jobs.1.depends_on" });
    expect(refusal([{ key: "a" }, { key: "a" }])).toEqual({ message: "Duplicate job key 'a' in workflow", field: "jobs.1.key" });
  });

  test("a repeated dependency is one edge, not a cycle", () => {
    expect(refusal([{ key: "a" }, { key: "b", depends_on: ["a", "a"] }])).toBeNull();
  });
});
