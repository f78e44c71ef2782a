import { AppError } from "./errors";

/** A refused workflow definition: the contract's message, with the offending field named in details. */
const refuse = (message: string, field: string) => new AppError("VALIDATION_ERROR", message, [{ field, message, code: "invalid_dependency" }]);

/**
 * Checks a workflow's dependency graph before anything is written: keys unique, every dependency a known key, no
 * job depending on itself, no cycle. Returns the definitions' indexes in an order where dependencies come first.
 */
export function checkWorkflowGraph(jobs: readonly { key: string; depends_on?: readonly string[] }[]): number[] {
  const indexOf = new Map<string, number>();
  jobs.forEach((job, i) => {
    if (indexOf.has(job.key)) throw refuse(`Duplicate job key '${job.key}' in workflow`, `jobs.${i}.key`);
    indexOf.set(job.key, i);
  });
  jobs.forEach((job, i) => {
    for (const dep of job.depends_on ?? []) {
      if (!indexOf.has(dep)) throw refuse(`Job '${job.key}' depends on unknown job '${dep}'`, `jobs.${i}.depends_on`);
      if (dep === job.key) throw refuse("Circular dependency detected in workflow", `jobs.${i}.depends_on`);
    }
  });

  // Kahn's algorithm: whatever cannot be ordered sits on a cycle.
  const waitingOn = jobs.map((job) => new Set(job.depends_on ?? []).size);
  const dependents = jobs.map(() => [] as number[]);
  jobs.forEach((job, i) => new Set(job.depends_on ?? []).forEach((dep) => dependents[indexOf.get(dep)!]!.push(i)));
  const order: number[] = [];
  const ready = waitingOn.flatMap((n, i) => (n === 0 ? [i] : []));
  while (ready.length) {
    const i = ready.shift()!;
    order.push(i);
    for (const d of dependents[i]!) if (--waitingOn[d]! === 0) ready.push(d);
  }
  if (order.length !== jobs.length) {
    const stuck = waitingOn.findIndex((n) => n > 0);
    throw refuse("Circular dependency detected in workflow", `jobs.${stuck}.depends_on`);
  }
  return order;
}
