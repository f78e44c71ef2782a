#!/usr/bin/env bun
import { loadConfig } from "./config";
import { startServer } from "./server";
import { FEATURES } from "./features";
import { openDatabase } from "./db/open";
import { migrate } from "./db/migrate";
import { VERSION } from "./version";
import { startThreadWatchdog } from "./db/thread-watchdog";
import { isCliInvocation, runCli } from "./cli";

async function main(argv: string[]) {
  // Everything but running the server or its migrations (the operator CLI, version, --help) is src/cli.
  if (isCliInvocation(argv)) {
    process.exitCode = await runCli(argv);
    return;
  }
  const command = argv[0] ?? "serve";
  const config = loadConfig();
  if (command === "migrate") {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    const applied = await migrate(db);
    console.log(applied.length ? `applied migrations: ${applied.join(", ")}` : "database is up to date");
    await db.close();
    return;
  }
  const server = await startServer(config, { features: FEATURES });
  console.log(`spindle ${VERSION} listening on http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${server.port}`);
  console.log(`database: ${server.db.describe}`);
  console.log(`mode: ${config.mode}`);
  // Embedded statements run on this thread and cannot be interrupted: a stuck one must still end the process.
  if (server.db.kind === "pglite") startThreadWatchdog(config.statementTimeoutMs);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

// A stray rejection (a client hanging up mid-write, a database restart) must never take the process down.
process.on("unhandledRejection", (err) => console.error("[spindle] unhandled rejection:", err));
process.on("uncaughtException", (err) => console.error("[spindle] uncaught exception:", err));

main(process.argv.slice(2)).catch((err) => {
  console.error(`spindle: ${err?.message ?? err}`);
  process.exit(1);
});
