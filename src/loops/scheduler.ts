import type { Loop } from "./runner";
import { fireDueSchedules } from "../engine/schedules";

/** Fires due cron schedules; each tick is claimed through a unique (schedule, tick) key, so any number of nodes may run it. */
export const scheduler = (intervalMs: number): Loop => ({ name: "scheduler", intervalMs, tick: (engine) => fireDueSchedules(engine) });
