// CPU used by processes other than this harness, its children (the server under test, the receiver), PostgreSQL and
// Redis during a measurement, as a share of all CPUs (the peers' harness reports the same `other_cpu_pct`). Linux only.
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

const OURS = new Set(["postgres", "redis-server"]);

export interface CpuSample {
  all: number;
  ours: number;
  at: number;
}

export function cpuSample(): CpuSample | null {
  try {
    const [user, nice, system] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1, 4).map(Number);
    let ours = 0;
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (+pid === process.pid || +f[1]! === process.pid || OURS.has(comm)) ours += +f[11]! + +f[12]! + +f[13]! + +f[14]!;
      } catch {} // gone meanwhile
    }
    return { all: user! + nice! + system!, ours, at: performance.now() };
  } catch {
    return null;
  }
}

/** Clock ticks are 10 ms: ticks * 10 / elapsed ms = CPUs busy. */
export function otherCpuPct(a: CpuSample | null, b: CpuSample | null): number | null {
  if (!a || !b) return null;
  const pct = (Math.max(0, b.all - a.all - (b.ours - a.ours)) * 10) / (b.at - a.at) / availableParallelism() * 100;
  return Math.round(pct * 10) / 10;
}

/** CPU time (user + system) a process has used so far, in ms; null where /proc is not there. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (+f[11]! + +f[12]!) * 10;
  } catch {
    return null;
  }
}
