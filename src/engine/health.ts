import type { Engine } from "./context";
import { pingDatabase } from "../store/health";

/** Health answers within a second even when the database does not (a stuck embedded database, a dead network). */
export const HEALTH_PROBE_MS = 800;

export interface HealthReport {
  database: boolean;
  /** There is no cache to be unhealthy. */
  cache: true;
  /** The dependencies that did not answer, for the not-ready answer. */
  failed: string[];
}

/** Probes every dependency the server needs to do work; a probe slower than HEALTH_PROBE_MS counts as failed. */
export async function checkHealth(e: Engine, timeoutMs = HEALTH_PROBE_MS): Promise<HealthReport> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const database = await Promise.race([
    pingDatabase(e.db).then(
      () => true,
      () => false,
    ),
    timedOut,
  ]).finally(() => clearTimeout(timer));
  return { database, cache: true, failed: database ? [] : ["database"] };
}
