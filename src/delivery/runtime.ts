import { hostname } from "node:os";
import type { Engine, Principal } from "../engine/context";
import { emitEvent } from "../engine/context";
import { HostGates } from "./host-gates";
import type { Resolver } from "./target";

/**
 * What the node's delivery machinery shares: one budget of concurrent requests for both kinds of delivery,
 * the per-host gates, and the stop signal. One per engine.
 */
export class DeliveryRuntime {
  readonly gates: HostGates;
  readonly workerId = `spindle-http@${hostname()}-${process.pid}`;
  readonly stopping = new AbortController();
  /** Tests may substitute DNS; production uses the system resolver. */
  resolve?: Resolver;
  private inFlight = 0;
  private waiters = new Set<() => void>();

  constructor(readonly engine: Engine) {
    const w = engine.config.webhooks;
    this.gates = new HostGates(
      { maxPerHost: w.hostConcurrency, failureThreshold: w.breakerFailures, cooldownMs: w.breakerCooldownMs },
      (gate, orgs) => {
        for (const orgId of orgs) {
          engine.db
            .transaction((tx) => emitEvent(engine, tx, { type: "delivery.circuit_changed", orgId, data: { ...gate } }))
            .catch(() => {});
        }
      },
    );
  }

  get freeSlots(): number {
    return Math.max(0, this.engine.config.webhooks.concurrency - this.inFlight);
  }

  reserve(n: number): void {
    this.inFlight += n;
  }

  releaseSlot(): void {
    this.inFlight--;
    this.wakeAll();
  }

  /** Resolves on the next wake-up (a slot freed, new work signalled, stop) or after timeoutMs. */
  waitForWork(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }
}

const runtimes = new WeakMap<Engine, DeliveryRuntime>();

export function deliveryRuntime(engine: Engine): DeliveryRuntime {
  let rt = runtimes.get(engine);
  if (!rt) {
    rt = new DeliveryRuntime(engine);
    runtimes.set(engine, rt);
  }
  return rt;
}

/** Spindle acting for an organization on its own queues (delivery jobs, ingestion). */
export const internalPrincipal = (orgId: string, planTier = "internal"): Principal => ({ orgId, apiKeyId: null, queues: ["*"], planTier });
