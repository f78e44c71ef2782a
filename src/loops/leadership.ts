import type { Engine } from "../engine/context";
import type { HeldLock } from "../db/types";
import { StoppableSleep, startLoops, type Loop } from "./runner";

/** Arbitrary constant: the session-level advisory lock whose holder runs the cluster's background loops. */
export const LEADER_LOCK = 7_415_220_002;

/**
 * Runs background loops once per cluster: the node holding the leader lock (a session-level advisory lock on a
 * connection it keeps) runs them; the others try again every `leaderCheckMs` and take over within about that
 * long after the leader's connection goes away. Loops marked `everyNode` run on every node. Each loop stays safe
 * if two nodes run it at once (a leader that lost its connection and has not noticed yet).
 */
export function startLoopsWithLeadership(engine: Engine, loops: Loop[]): () => Promise<void> {
  const stopEveryNode = startLoops(engine, loops.filter((l) => l.everyNode));
  const leaderLoops = loops.filter((l) => !l.everyNode);
  const log = (msg: string) => engine.config.quiet || console.log(`[cluster] ${msg}`);
  const sleep = new StoppableSleep();
  let lock: HeldLock | undefined;
  let stopLed: (() => Promise<void>) | undefined;

  const stepDown = async () => {
    await stopLed?.();
    stopLed = undefined;
    await lock?.release().catch(() => {});
    lock = undefined;
  };

  const cycle = (async () => {
    while (!sleep.stopped) {
      try {
        if (!lock) {
          lock = await engine.db.holdAdvisoryLock(LEADER_LOCK);
          if (lock) {
            log("this node leads: it runs the background loops");
            stopLed = startLoops(engine, leaderLoops);
          }
        } else if (!(await lock.stillHeld())) {
          log("leadership lost (database connection broke); background loops stopped on this node");
          await stepDown();
        }
      } catch {
        // Database unreachable: try again next round.
      }
      await sleep.pause(engine.config.leaderCheckMs);
    }
    await stepDown();
  })();

  return async () => {
    sleep.stop();
    await cycle;
    await stopEveryNode();
  };
}
