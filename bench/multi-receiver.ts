// Many webhook receivers in one process, for bench/webhooks.ts: `bun bench/multi-receiver.ts LIVE EXPECTED`.
// Opens LIVE receivers that answer 200 and one that accepts connections and never answers. Prints
// {"ports":[...], "dead": port}, then {"done": {...}} once EXPECTED distinct ids were acknowledged; SIGTERM prints final stats.
const live = Number(process.argv[2] ?? 99);
const expected = Number(process.argv[3] ?? Infinity);
const wall = () => performance.timeOrigin + performance.now();
const acked = new Set<number>();
const stats = { requests: 0, duplicates: 0, acked: 0, dead_requests: 0, done_at: null as number | null };

const ports: number[] = [];
for (let i = 0; i < live; i++) {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      stats.requests++;
      const id = (await req.json().catch(() => ({}))).id;
      if (!Number.isInteger(id)) return new Response(null, { status: 400 });
      if (acked.has(id)) stats.duplicates++;
      acked.add(id);
      stats.acked = acked.size;
      if (acked.size === expected && !stats.done_at) {
        stats.done_at = wall();
        console.log(JSON.stringify({ done: stats }));
      }
      return Response.json({ ok: true });
    },
  });
  ports.push(server.port!);
}
const dead = Bun.serve({ hostname: "127.0.0.1", port: 0, idleTimeout: 0, fetch: () => (stats.dead_requests++, new Promise<Response>(() => {})) });
console.log(JSON.stringify({ ports, dead: dead.port }));
process.on("SIGTERM", () => {
  console.log(JSON.stringify({ stats }));
  process.exit(0);
});
