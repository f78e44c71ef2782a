/** The storage seam: everything above src/db/ talks to PostgreSQL only through this interface. */
export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one statement with $1..$n parameters and returns its rows. */
  query<T extends object = Row>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

/** A transaction's handle: statements run inside it, and work to do once (and only if) it commits. */
export interface Transaction extends Queryable {
  /** Runs fn after COMMIT succeeded (in registration order); never when the transaction rolls back. */
  afterCommit(fn: () => void): void;
}

/** Whether q is a transaction's handle (rather than the pool, where every statement commits by itself). */
export const isTransaction = (q: Queryable): q is Transaction => typeof (q as Partial<Transaction>).afterCommit === "function";

/**
 * Runs fn in a transaction opened by `begin`, then the work it registered for after the commit. A failing
 * after-commit step is logged, never thrown: the change it follows is already committed.
 */
export async function withAfterCommit<T>(begin: (body: (q: Queryable) => Promise<T>) => Promise<T>, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  let pending: (() => void)[] = [];
  const result = await begin((q) => {
    pending = [];
    return fn({ ...q, afterCommit: (step) => void pending.push(step) });
  });
  for (const step of pending) {
    try {
      step();
    } catch (err) {
      console.error("[db] an after-commit step failed:", err);
    }
  }
  return result;
}

export interface Db extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** A description safe to print (no password). */
  readonly describe: string;
  /** Runs fn inside one transaction; rolls back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Subscribes to a NOTIFY channel. onReconnect runs after the subscription is re-established (catch up from tables). */
  listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  /** Runs fn while holding a session-level advisory lock, or returns undefined at once if another session holds it. */
  tryWithAdvisoryLock<T>(key: number, fn: (q: Transaction) => Promise<T>): Promise<T | undefined>;
  /**
   * Takes a session-level advisory lock on a connection of its own and keeps both until released; undefined at
   * once when another session holds the lock. The lock dies with its connection (a crashed node frees it).
   */
  holdAdvisoryLock(key: number): Promise<HeldLock | undefined>;
  close(): Promise<void>;
  /** PGlite only: the whole data directory as a tarball (test snapshots, backups). */
  dumpDataDir?(): Promise<Blob>;
}

export interface HeldLock {
  /** Whether the lock is still ours (false once its connection broke). */
  stillHeld(): Promise<boolean>;
  release(): Promise<void>;
}

/** Raised when the database cannot be reached; transports answer 503. */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super("Database unavailable", { cause });
    this.name = "DatabaseUnavailableError";
  }
}
