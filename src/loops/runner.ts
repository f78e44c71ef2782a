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

/** Runs each loop on a timer; a failed pass (database restarting) is logged once per streak and retried next tick. */
export function startLoops(engine: Engine, loops: Loop[]): () => Promise<void> {
  let stopped = false;
  const running: Promise<void>[] = [];
  for (const loop of loops) {
    running.push(
      (async () => {
        let failing = false;
        while (!stopped) {
          try {
            await loop.tick(engine);
            if (failing && !engine.config.quiet) console.log(`[loop] ${loop.name} recovered`);
            failing = false;
          } catch (err) {
            if (!failing && !engine.config.quiet) console.warn(`[loop] ${loop.name} failed: ${(err as Error).message}`);
            failing = true;
          }
          const until = Date.now() + loop.intervalMs * (1 + (loop.jitter ?? 0) * Math.random());
          while (!stopped && Date.now() < until) await Bun.sleep(Math.min(100, until - Date.now()));
        }
      })(),
    );
  }
  return async () => {
    stopped = true;
    await Promise.all(running);
  };
}
