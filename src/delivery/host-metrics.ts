import { Gauge, type Family } from "../metrics/registry";
import type { HostGates } from "./host-gates";

/** Per-host gauges of this node's gates, read fresh at each scrape: limit, requests in flight, breaker, pause. */
export function hostGateFamilies(gates: HostGates): () => Family[] {
  const limit = new Gauge("spindle_delivery_host_concurrency_limit", "Current adaptive concurrency limit per destination host (this node)");
  const inFlight = new Gauge("spindle_delivery_host_in_flight", "Requests in flight per destination host (this node)");
  const breaker = new Gauge("spindle_delivery_host_breaker_state", "1 for the circuit breaker state each destination host is in");
  const paused = new Gauge("spindle_delivery_host_paused", "1 while a destination host asked to wait (Retry-After)");
  return () => {
    const hosts = gates.all();
    limit.setAll(hosts.map((h) => ({ labels: { host: h.host }, value: h.concurrency_limit })));
    inFlight.setAll(hosts.map((h) => ({ labels: { host: h.host }, value: h.in_flight })));
    breaker.setAll(hosts.map((h) => ({ labels: { host: h.host, state: h.state }, value: 1 })));
    paused.setAll(hosts.map((h) => ({ labels: { host: h.host }, value: h.paused_until ? 1 : 0 })));
    return [limit, inFlight, breaker, paused];
  };
}
