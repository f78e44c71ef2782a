import type { Loop } from "./runner";
import { enforceRetention } from "../engine/retention";

/**
 * Deletes finished jobs and deliveries past their retention window (docs/operations.md "Retention"). Leader-only;
 * its batches use SKIP LOCKED, so a second node running it for a moment (a leader that lost its connection and has
 * not noticed yet) only shares the work. Jittered so that many clusters on one database server do not align.
 */
export const retentionLoop = (intervalMs: number): Loop => ({ name: "retention", intervalMs, jitter: 0.2, tick: enforceRetention });
