/**
 * The real server, wired as src/main.ts wires it (thread watchdog included), plus one test-only trigger that no
 * API can reach: SIGUSR2 makes the embedded database misbehave the way STALL_MODE says.
 *   async — a transaction that never ends: every later statement waits behind it (the thread stays free).
 *   sync  — a statement that runs for hours: the JavaScript thread itself is stuck inside PGlite.
 *   deep  — the original wedge: a jsonb value nested 50,000 levels, sent straight to the database.
 */
import { loadConfig } from "../../src/config";
import { startServer } from "../../src/server";
import { FEATURES } from "../../src/features";
import { startThreadWatchdog } from "../../src/db/thread-watchdog";

const config = loadConfig();
const server = await startServer(config, { features: FEATURES });
console.log(`spindle test listening on http://${config.host}:${server.port}`);
console.log(`database: ${server.db.describe}`);
console.log(`mode: ${config.mode}`);
if (server.db.kind === "pglite") startThreadWatchdog(config.statementTimeoutMs);

process.on("SIGUSR2", () => {
  const mode = process.env.STALL_MODE;
  console.log(`stalling the database: ${mode}`);
  if (mode === "async") void server.db.transaction(() => new Promise(() => {})).catch(() => {});
  if (mode === "sync") void server.db.query("SELECT count(*) FROM generate_series(1, 100000000000)").catch(() => {});
  if (mode === "deep") {
    const deep = "[".repeat(50_000) + "]".repeat(50_000);
    void server.db.query("SELECT $1::jsonb AS v", [deep]).then(
      (rows) => console.log(`deep statement returned ${rows.length} rows`),
      (err) => console.log(`deep statement failed: ${err.message}`),
    );
  }
});
process.on("SIGTERM", async () => {
  await server.stop();
  process.exit(0);
});
