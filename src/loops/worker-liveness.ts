import type { Loop } from "./runner";
import { sweepSilentWorkers } from "../engine/workers";

export const workerLiveness = (intervalMs: number): Loop => ({ name: "worker-liveness", intervalMs, tick: sweepSilentWorkers });
