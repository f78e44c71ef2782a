/**
 * Where a CPU profile's time went: self time per area (package, src folder, Bun internals) and the top functions.
 *   bun bench/profile-summary.ts FILE.cpuprofile [TOP]
 * Profiles come from `bun --cpu-prof` (bench/grpc.ts in-process) or BENCH_CPU_PROF=dir with bench/run.ts (the server).
 */
const file = process.argv[2]!;
const prof = JSON.parse(await Bun.file(file).text());
const byId = new Map<number, any>(prof.nodes.map((n: any) => [n.id, n]));
const selfMs = new Map<number, number>();
const deltas: number[] = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) selfMs.set(prof.samples[i], (selfMs.get(prof.samples[i]) ?? 0) + (deltas[i] ?? 0) / 1000);
const area = (url: string) => {
  if (!url) return "(native/idle)";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const s = /\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url) ?? /\/(src\/[^/]+)/.exec(url);
  if (s) return s[1];
  if (url.startsWith("node:") || url.includes("internal")) return url.split("/")[0];
  return url.replace(/^.*\//, "");
};
const areas = new Map<string, number>(); const fns = new Map<string, number>();
let total = 0;
for (const [id, ms] of selfMs) {
  const n = byId.get(id); const cf = n.callFrame; total += ms;
  if (cf.functionName === "(idle)" || cf.functionName === "(program)") { areas.set(cf.functionName, (areas.get(cf.functionName) ?? 0) + ms); continue; }
  const a = area(cf.url); areas.set(a, (areas.get(a) ?? 0) + ms);
  const k = `${cf.functionName || "(anon)"} ${cf.url.replace(/^.*node_modules\//, "").replace(/^.*\/work\/[^/]+\//, "")}:${cf.lineNumber}`;
  fns.set(k, (fns.get(k) ?? 0) + ms);
}
console.log(`total sampled ${Math.round(total)} ms`);
for (const [a, ms] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, 25)) console.log(`${String(Math.round(ms)).padStart(7)} ms  ${a}`);
console.log("--- top functions");
for (const [a, ms] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, Number(process.argv[3] ?? 30))) console.log(`${String(Math.round(ms)).padStart(7)} ms  ${a}`);

export {};
