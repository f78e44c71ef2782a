import type { Server } from "bun";
import type { Engine } from "./engine/context";
import { stopClaiming, jobsHeldBy } from "./engine/drain";
import type { ActiveStreams } from "./rpc/active-streams";
import type { EventHub } from "./bus/event-hub";

/**
 * Crash-only lifecycle (docs/operations.md): a signal drains the node within a grace period and exits 0; a second
 * signal exits at once; an uncaught exception or unhandled rejection exits non-zero for the supervisor to restart.
 */

export type DrainOutcome = "idle" | "grace expired";

const DRAIN_POLL_MS = 100;

/**
 * Stops taking work and waits, at most graceMs, for the work in flight: HTTP requests being answered, the jobs
 * leased to this node's stream workers and the webhook deliveries this node is making. What still runs afterwards
 * is cut by the caller's stop(), which closes the streams and so hands their jobs back (only those that could not
 * finish).
 */
export async function drainNode(
  node: { engine: Engine; http: Server<unknown>; stopLoops: () => Promise<void>; hub?: EventHub; streams?: ActiveStreams; delivery?: { busy: number } },
  graceMs: number,
): Promise<DrainOutcome> {
  const deadline = Date.now() + graceMs;
  stopClaiming(node.engine);
  await node.stopLoops(); // hands leadership to another node now rather than after the grace
  void node.http.stop(false); // no new connections; requests in flight go on
  node.hub?.endStreams();
  while (Date.now() < deadline) {
    const held = await jobsHeldBy(node.engine, node.streams?.workers() ?? []).catch(() => 0);
    if (node.http.pendingRequests === 0 && held === 0 && (node.delivery?.busy ?? 0) === 0) return "idle";
    await Bun.sleep(Math.min(DRAIN_POLL_MS, Math.max(0, deadline - Date.now())));
  }
  return "grace expired";
}

export interface Stoppable {
  drain(graceMs: number): Promise<DrainOutcome>;
  stop(): Promise<void>;
}

/** After the grace, closing streams and the database should take seconds; if it hangs, exit anyway. */
const STOP_TIMEOUT_MS = 15_000;

export function stopOnSignals(
  server: Stoppable,
  graceMs: number,
  log: { info(msg: string, fields?: Record<string, unknown>): void; error(msg: string, fields?: Record<string, unknown>): void },
  exit: (code: number) => never = process.exit,
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.error("second signal: exiting without waiting", { signal });
      exit(1);
    }
    stopping = true;
    log.info("shutting down: no new work, waiting for work in flight", { signal, grace_secs: graceMs / 1000 });
    setTimeout(() => {
      log.error("shutdown did not finish in time: exiting", { timeout_ms: graceMs + STOP_TIMEOUT_MS });
      exit(1);
    }, graceMs + STOP_TIMEOUT_MS).unref();
    (async () => {
      const outcome = await server.drain(graceMs);
      if (outcome === "grace expired") log.info("grace period over: closing what is still open, unfinished jobs go back to their queues");
      await server.stop();
      log.info("stopped", { drain: outcome });
      exit(0);
    })().catch((err) => {
      log.error("shutdown failed", { error: String(err?.stack ?? err) });
      exit(1);
    });
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/**
 * Crash-only: after an exception nobody caught, the process state is unknown, so it logs and exits non-zero
 * rather than carrying on; the supervisor (systemd, Kubernetes, Docker) starts a clean one and leases expire.
 */
export function exitOnCrash(log: { error(msg: string, fields?: Record<string, unknown>): void }, exit: (code: number) => never = process.exit): void {
  const crash = (kind: string) => (err: unknown) => {
    log.error(`${kind}: exiting`, { error: String((err as Error)?.stack ?? err) });
    exit(70); // EX_SOFTWARE
  };
  process.on("uncaughtException", crash("uncaught exception"));
  process.on("unhandledRejection", crash("unhandled rejection"));
}
