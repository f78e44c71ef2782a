import type { Loop } from "./runner";
import { activateDueScheduled } from "../store/jobs";

export const scheduledActivator = (intervalMs: number): Loop => ({
  name: "scheduled-activator",
  intervalMs,
  tick: (engine) => engine.db.transaction((tx) => activateDueScheduled(tx)),
});
