import { Worker } from "node:worker_threads";

/**
 * Crash-only for a blocked JavaScript thread. Embedded PGlite executes statements synchronously on the main
 * thread, and nothing can interrupt WebAssembly that runs: a statement that never ends (src/db/pglite-guard.ts)
 * freezes every timer, request and signal handler, SIGTERM included. A second thread sees the main thread's
 * heartbeat stop, writes why to stderr itself (the main thread's console cannot run) and kills the process
 * with SIGKILL, the only signal a frozen thread cannot ignore; a supervisor restarts it.
 */
const WATCHER = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const beat = new Int32Array(workerData.beat);
let last = Atomics.load(beat, 0);
let seenAt = Date.now();
setInterval(() => {
  const now = Atomics.load(beat, 0);
  if (now !== last) { last = now; seenAt = Date.now(); return; }
  const silent = Date.now() - seenAt;
  if (silent > workerData.limitMs) {
    writeSync(2, "[spindle] fatal: the main thread has been blocked for " + silent + " ms (limit " + workerData.limitMs +
      " ms), most likely by an embedded database statement that does not end; killing the process so that a supervisor restarts it\\n");
    process.kill(process.pid, "SIGKILL");
  }
}, workerData.checkMs);
`;

export interface ThreadWatchdog {
  stop(): Promise<void>;
}

export function startThreadWatchdog(limitMs: number): ThreadWatchdog {
  const buffer = new SharedArrayBuffer(4);
  const beat = new Int32Array(buffer);
  const checkMs = Math.min(250, Math.max(10, Math.floor(limitMs / 4)));
  const worker = new Worker(WATCHER, { eval: true, workerData: { beat: buffer, limitMs, checkMs } });
  worker.unref();
  const heart = setInterval(() => Atomics.add(beat, 0, 1), checkMs);
  heart.unref?.();
  return {
    async stop() {
      clearInterval(heart);
      await worker.terminate();
    },
  };
}
