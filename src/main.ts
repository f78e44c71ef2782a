#!/usr/bin/env bun
import { isSettingOn, loadConfig } from "./config";
import { startServer } from "./server";
import { FEATURES } from "./features";
import { openDatabase } from "./db/open";
import { migrate } from "./db/migrate";
import { VERSION } from "./version";
import { startThreadWatchdog } from "./db/thread-watchdog";
import { isCliInvocation, runCli } from "./cli";
import { createLogger, routeConsoleThrough } from "./logger";
import { exitOnCrash, stopOnSignals } from "./lifecycle";
import { createDataDirInChild, isNewDataDir } from "./db/pglite-init";

// The server's lines go through one logger (JSON when JSON_LOGS=true), redacted. Read before the full
// configuration so that even "invalid configuration" is logged in the chosen format.
const log = createLogger({ json: isSettingOn(process.env.JSON_LOGS) });
// Crash-only: after an exception nobody caught the state is unknown; exit non-zero and let the supervisor restart.
exitOnCrash(log.child("spindle"));

async function main(argv: string[]) {
  // Everything but running the server or its migrations (the operator CLI, version, --help) is src/cli.
  if (isCliInvocation(argv)) {
    process.exitCode = await runCli(argv);
    return;
  }
  // Every module's console lines, from here on server log lines (the CLI's output above stays as it prints).
  routeConsoleThrough(log);
  const command = argv[0] ?? "serve";
  const config = loadConfig();
  if (command === "migrate") {
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, pgliteSharedBuffersMb: config.pgliteSharedBuffersMb });
    const applied = await migrate(db);
    console.log(applied.length ? `applied migrations: ${applied.join(", ")}` : "database is up to date");
    await db.close();
    return;
  }
  // initdb's memory would stay resident in this process for good: a child process of ours creates the directory.
  if (!config.databaseUrl && isNewDataDir(config.dataDir)) await createDataDirInChild(config.dataDir);
  const server = await startServer(config, { features: FEATURES });
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${server.port}`;
  log.info(`spindle ${VERSION} listening on ${url}`, config.jsonLogs ? { version: VERSION, url, database: server.db.describe, mode: config.mode } : undefined);
  if (!config.jsonLogs) {
    console.log(`database: ${server.db.describe}`);
    console.log(`mode: ${config.mode}`);
  }
  // Embedded statements run on this thread and cannot be interrupted: a stuck one must still end the process.
  if (server.db.kind === "pglite") startThreadWatchdog(config.statementTimeoutMs);
  stopOnSignals(server, config.shutdownGraceMs, log.child("lifecycle"));
}

main(process.argv.slice(2)).catch((err) => {
  log.error(`spindle: ${err?.message ?? err}`);
  process.exit(1);
});
