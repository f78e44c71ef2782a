import type { Loop } from "./runner";
import { activateDueScheduled } from "../engine/jobs";

export const scheduledActivator = (intervalMs: number): Loop => ({
  name: "scheduled-activator",
  intervalMs,
  tick: activateDueScheduled,
});
