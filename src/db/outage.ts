import { DatabaseUnavailableError } from "./types";
import { isConnectionFailure } from "./errors";

/**
 * A circuit breaker for a database that went away. postgres.js queues statements while it reconnects and fails
 * them one per connection attempt, so under load callers would wait many seconds for their 503. While the server
 * is unreachable we fail at once, letting one caller through per probe interval to find out whether it is back.
 */
export class OutageBreaker {
  private down = false;
  private lastProbe = 0;

  constructor(private probeIntervalMs = 200) {}

  /** Throws DatabaseUnavailableError when the database is known to be down and this caller is not the probe. */
  admit(): void {
    if (!this.down) return;
    const now = performance.now();
    if (now - this.lastProbe < this.probeIntervalMs) throw new DatabaseUnavailableError(new Error("database is unreachable"));
    this.lastProbe = now;
  }

  succeeded(): void {
    this.down = false;
  }

  failed(err: unknown): void {
    if (isConnectionFailure(err)) this.down = true;
  }
}
