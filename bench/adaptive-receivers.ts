export {};
// Receivers for bench/adaptive-hosts.ts: `bun bench/adaptive-receivers.ts MODE EXPECTED_HEALTHY`.
// Opens 100 receivers on 127.0.0.1. MODE=baseline: all answer 200 at once. MODE=mixed: receiver 98 answers after
// 2 s, receiver 99 answers 429 with Retry-After: 1; the other 98 answer 200 at once. Prints {"ports":[...]}, then
// {"done": {...}} once EXPECTED_HEALTHY distinct ids reached receivers 0-97; SIGTERM prints {"stats": {...}}.
const mode = process.argv[2] ?? "mixed";
const expected = Number(process.argv[3] ?? Infinity);
const wall = () => performance.timeOrigin + performance.now();
const acked = new Set<number>();
const limitedAt: number[] = [];
const stats = { healthy_requests: 0, duplicates: 0, slow_requests: 0, limited_requests: 0, limited_max_per_second: 0, done_at: null as number | null };

function serve(answer: (id: number) => Promise<Response> | Response) {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const id = (await req.json().catch(() => ({}))).id;
      if (!Number.isInteger(id)) return new Response(null, { status: 400 });
      return answer(id);
    },
  }).port!;
}

const ports: number[] = [];
for (let i = 0; i < 98; i++) {
  ports.push(serve((id) => {
    stats.healthy_requests++;
    if (acked.has(id)) stats.duplicates++;
    acked.add(id);
    if (acked.size === expected && !stats.done_at) {
      stats.done_at = wall();
      console.log(JSON.stringify({ done: stats }));
    }
    return Response.json({ ok: true });
  }));
}
const plain = () => Response.json({ ok: true });
ports.push(serve(mode === "mixed" ? async () => (stats.slow_requests++, await Bun.sleep(2000), plain()) : plain));
ports.push(serve(mode === "mixed"
  ? () => {
      stats.limited_requests++;
      limitedAt.push(wall());
      return new Response("slow down", { status: 429, headers: { "retry-after": "1" } });
    }
  : plain));
console.log(JSON.stringify({ ports }));

process.on("SIGTERM", () => {
  // The most requests the 429 receiver saw inside any one-second window.
  for (let i = 0, j = 0; i < limitedAt.length; i++) {
    while (limitedAt[i]! - limitedAt[j]! >= 1000) j++;
    stats.limited_max_per_second = Math.max(stats.limited_max_per_second, i - j + 1);
  }
  console.log(JSON.stringify({ stats }));
  process.exit(0);
});
