import type { Engine } from "../engine/context";

export interface Loop {
  name: string;
  intervalMs: number;
  /** One pass; must be safe to run on several nodes at once (SKIP LOCKED, unique keys or an advisory lock). */
  tick: (engine: Engine) => Promise<unknown>;
  /** Each wait is intervalMs times 1 + up to this fraction, at random (spreads periodic heavy work). */
  jitter?: number;
  /** Run on every node instead of only on the leader (src/loops/leadership.ts). */
  everyNode?: boolean;
}

/**
 * Pauses that a stop cuts short: one timer per pause instead of waking every 100 ms to look at a flag (each
 * wake-up of an idle process costs CPU), and no timer left behind to keep a stopped process alive.
 */
export class StoppableSleep {
  private wakers = new Set<() => void>();
  stopped = false;

  pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wakers.add(done);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
  }
}

/** Runs each loop on a timer; a failed pass (database restarting) is logged once per streak and retried next tick. */
export function startLoops(engine: Engine, loops: Loop[]): () => Promise<void> {
  const sleep = new StoppableSleep();
  const running: Promise<void>[] = [];
  for (const loop of loops) {
    running.push(
      (async () => {
        let failing = false;
        while (!sleep.stopped) {
          try {
            await loop.tick(engine);
            if (failing && !engine.config.quiet) console.log(`[loop] ${loop.name} recovered`);
            failing = false;
          } catch (err) {
            if (!failing && !engine.config.quiet) console.warn(`[loop] ${loop.name} failed: ${(err as Error).message}`);
            failing = true;
          }
          await sleep.pause(loop.intervalMs * (1 + (loop.jitter ?? 0) * Math.random()));
        }
      })(),
    );
  }
  return async () => {
    sleep.stop();
    await Promise.all(running);
  };
}
