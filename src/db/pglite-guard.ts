import type { PGlite } from "@electric-sql/pglite";

/**
 * Why the embedded database needs guarding (issue 18, docs/operations.md "A stuck embedded database").
 *
 * PGlite runs PostgreSQL as WebAssembly on the JavaScript thread. Deep C recursion (a jsonb value nested a few
 * thousand levels, on the paths that walk it recursively) exhausts the JS engine's native stack long before
 * PostgreSQL's own check_stack_depth() notices: that check measures Emscripten's shadow stack in linear memory,
 * which those frames barely use. The engine then throws a RangeError through the C code. PGlite's
 * execProtocolRawSync catches every exception of `_PostgresMainLoopOnce` and only recovers from PostgreSQL's own
 * longjmp; anything else is swallowed, the statement "succeeds" with no rows, and the backend is left with its
 * error and memory-context state half unwound. The next statement that raises an error (any refused input) then
 * loops inside the WebAssembly forever: the thread never yields, so no timer, request or signal handler runs.
 *
 * A statement cannot be interrupted either: statement_timeout needs SIGALRM, which PGlite does not deliver.
 * So the guard detects instead of cancelling: it notices the swallowed exception and refuses every further
 * statement, and it notices a database that has not answered for too long; both end the process (crash-only),
 * and a supervisor restarts it on a data directory whose committed transactions are intact.
 */
export type Unrecoverable = (reason: string) => void;

/**
 * Watches PGlite's main loop for exceptions that are not PostgreSQL's own longjmp. Returns a function telling
 * whether the backend is broken (and why). Relies on PGlite 0.5's module layout; without it, guards nothing.
 */
export function watchBackendExceptions(pg: PGlite, onBroken: Unrecoverable): () => string | undefined {
  let broken: string | undefined;
  const mod = (pg as any).mod;
  const longjmpStatus = (pg as any).POSTGRES_MAIN_LONGJMP;
  const loopOnce = mod?._PostgresMainLoopOnce;
  if (typeof loopOnce !== "function") return () => broken;
  // Never throw from here on our own: PGlite retries the loop while input remains, so that would spin forever.
  // Callers are refused before they reach PGlite instead (src/db/pglite.ts), and the default handler exits.
  mod._PostgresMainLoopOnce = (...args: unknown[]) => {
    try {
      return loopOnce(...args);
    } catch (err: any) {
      if (longjmpStatus === undefined || err?.status !== longjmpStatus) {
        broken = `the embedded database's backend failed (${err?.name ?? "Error"}: ${err?.message ?? err}) and its state is unknown`;
        onBroken(broken);
      }
      throw err;
    }
  };
  return () => broken;
}

/**
 * Notices a database that stopped answering: statements waiting longer than limitMs (stuck behind a statement
 * or transaction that never finishes) call onStalled once.
 */
export class StallMonitor {
  private readonly started = new Map<number, number>();
  private next = 0;
  private fired = false;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly limitMs: number, private readonly onStalled: Unrecoverable) {
    this.timer = setInterval(() => this.check(), Math.min(250, Math.max(10, limitMs / 4)));
    this.timer.unref?.();
  }

  /** Runs one call to the database, timing it. */
  async track<T>(call: () => Promise<T>): Promise<T> {
    const id = this.next++;
    this.started.set(id, performance.now());
    try {
      return await call();
    } finally {
      this.started.delete(id);
    }
  }

  private check(): void {
    if (this.fired) return;
    const now = performance.now();
    for (const since of this.started.values()) {
      // Map iteration is insertion order: the first entry is the oldest waiting call.
      if (now - since > this.limitMs) {
        this.fired = true;
        this.onStalled(`the embedded database has not answered a statement for ${Math.round(now - since)} ms (limit ${this.limitMs} ms)`);
      }
      return;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The default for a real process: log why and exit non-zero so a supervisor restarts us on the same data dir. */
export const exitProcess: Unrecoverable = (reason) => {
  console.error(`[spindle] fatal: ${reason}; exiting so that a supervisor restarts the server`);
  process.exit(70);
};
