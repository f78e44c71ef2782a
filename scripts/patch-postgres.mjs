// Applies our guard to postgres.js 3.4.9 (upstream issues porsager/postgres#1066, #1154, #1208):
// when PostgreSQL restarts while a write is deferred, nextWrite() runs with a null socket and throws
// from a timer, killing the process. Idempotent; runs from `postinstall` because npm (not bun) installs us.
import { readFileSync, writeFileSync, existsSync } from "node:fs";

const MARK = "/* spindle: null-socket guard */";
const files = ["node_modules/postgres/src/connection.js", "node_modules/postgres/cjs/src/connection.js"];
const edits = [
  ["  function nextWrite(fn) {\n", `  function nextWrite(fn) {\n    ${MARK}\n    if (!socket) { chunk = null; nextWriteTimer = null; return false }\n`],
  ["    terminated = true\n", "    terminated = true\n    chunk = null\n"],
  ["    clearImmediate(nextWriteTimer)\n    socket.removeListener('data', data)\n    socket.removeListener('connect', connected)\n    idleTimer.cancel()",
   "    clearImmediate(nextWriteTimer)\n    nextWriteTimer = null\n    chunk = null\n    socket.removeListener('data', data)\n    socket.removeListener('connect', connected)\n    idleTimer.cancel()"],
];

for (const file of files) {
  if (!existsSync(file)) continue;
  let text = readFileSync(file, "utf8");
  if (text.includes(MARK)) continue;
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`patch-postgres: pattern not found in ${file}: ${from.slice(0, 40)}`);
    text = text.replace(from, to);
  }
  writeFileSync(file, text);
}
