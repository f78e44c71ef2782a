import type { Loop } from "./runner";
import { reapExpiredLeases } from "../engine/leases";

/** Expired leases back to pending (or the DLQ) within about one interval; SKIP LOCKED keeps nodes apart. */
export const leaseReaper = (intervalMs: number): Loop => ({ name: "lease-reaper", intervalMs, tick: reapExpiredLeases });
