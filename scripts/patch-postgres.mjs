// Fixes postgres.js 3.4.9 for a database that restarts under load (upstream porsager/postgres#1066, #1154, #1208).
// Runs from `postinstall` (npm, not bun, installs us); idempotent, and upgrades a tree patched by the first version.
//
// What goes wrong upstream, both reproduced by tests/e2e/pg-restart.test.ts:
// 1. When a transaction's connection closes, `begin()` rejects at once but the transaction body keeps running and
//    its next statement (often the ROLLBACK) is executed on the same connection object, which by then is closed or
//    already reconnecting for another caller. The write is deferred to a timer that finds no socket and throws
//    (`null is not an object (evaluating 'socket.write')`): the process crashes, or with a global handler the
//    connection is wedged forever. Fix: once a transaction's connection has closed, its further statements are
//    rejected with CONNECTION_CLOSED instead of being sent anywhere.
// 2. Defence in depth: a deferred write that still finds no socket rejects the statements waiting on it (instead of
//    throwing, or silently dropping them so that their callers hang), and the pending write is cleared on close.
import { readFileSync, writeFileSync, existsSync } from "node:fs";

const MARK_V1 = "/* spindle: null-socket guard */";
const MARK = "/* spindle: restart guard v2 */";

const V1_CONNECTION = [
  ["  function nextWrite(fn) {\n", `  function nextWrite(fn) {\n    ${MARK_V1}\n    if (!socket) { chunk = null; nextWriteTimer = null; return false }\n`],
  ["    terminated = true\n", "    terminated = true\n    chunk = null\n"],
  ["    clearImmediate(nextWriteTimer)\n    socket.removeListener('data', data)\n    socket.removeListener('connect', connected)\n    idleTimer.cancel()",
   "    clearImmediate(nextWriteTimer)\n    nextWriteTimer = null\n    chunk = null\n    socket.removeListener('data', data)\n    socket.removeListener('connect', connected)\n    idleTimer.cancel()"],
];

const CONNECTION = [
  ["  function nextWrite(fn) {\n",
   `  function nextWrite(fn) {\n    ${MARK}\n    if (!socket) {\n      chunk = nextWriteTimer = null\n      const err = Errors.connection('CONNECTION_CLOSED', options)\n      query && (queryError(query, err), query = null)\n      while (sent.length) queryError(sent.shift(), err)\n      return false\n    }\n`],
  ["    terminated = true\n", "    terminated = true\n    chunk = null\n"],
  ["    clearImmediate(nextWriteTimer)\n    socket.removeListener('data', data)\n    socket.removeListener('connect', connected)\n    idleTimer.cancel()",
   "    clearImmediate(nextWriteTimer)\n    nextWriteTimer = null\n    chunk = null\n    socket.removeListener('data', data)\n    socket.removeListener('connect', connected)\n    idleTimer.cancel()"],
];

const INDEX = [
  ["      , connection\n      , prepare = null\n", `      , connection\n      , prepare = null\n      , lost = null ${MARK}\n`],
  ["        new Promise((_, reject) => connection.onclose = reject)\n", "        new Promise((_, reject) => connection.onclose = e => reject(lost = e))\n"],
  ["      function handler(q) {\n        q.catch(e => uncaughtError || (uncaughtError = e))\n",
   "      function handler(q) {\n        q.catch(e => uncaughtError || (uncaughtError = e))\n        if (lost)\n          return q.reject(lost)\n"],
];

function apply(text, edits, file) {
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`patch-postgres: pattern not found in ${file}: ${from.slice(0, 50)}`);
    text = text.replace(from, to);
  }
  return text;
}

const targets = [
  ["node_modules/postgres/src/connection.js", CONNECTION],
  ["node_modules/postgres/cjs/src/connection.js", CONNECTION],
  ["node_modules/postgres/src/index.js", INDEX],
  ["node_modules/postgres/cjs/src/index.js", INDEX],
];

for (const [file, edits] of targets) {
  if (!existsSync(file)) continue;
  let text = readFileSync(file, "utf8");
  if (text.includes(MARK)) continue;
  if (text.includes(MARK_V1)) text = apply(text, V1_CONNECTION.map(([from, to]) => [to, from]), file);
  writeFileSync(file, apply(text, edits, file));
}
