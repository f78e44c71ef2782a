import type { MiddlewareHandler } from "hono";
import type { Engine, EngineHooks, CredentialResolver, OutboundHttp } from "../engine/context";
import type { ServerMetrics } from "../metrics/server-metrics";
import type { AppEnv, PrincipalGuard } from "../http/auth";
import type { MountRoutes } from "../http/app";
import type { Loop } from "../loops/runner";
import type { EventHub } from "../bus/event-hub";
import type { DeliveryRuntime } from "../delivery/runtime";
import type { GrpcListener } from "../rpc/listener";
import type { ActiveStreams } from "../rpc/active-streams";

/** What every feature is handed: the services the composition root builds before any feature (src/server.ts). */
export interface CoreServices {
  engine: Engine;
  metrics: ServerMetrics;
}

/** Services a feature builds and the running server exposes (operators, tests and benchmarks reach them here). */
export interface FeatureServices {
  /** realtime: the node's event hub. */
  hub: EventHub;
  /** webhooks: the node's delivery runtime (host gates, DNS resolver, slots). */
  delivery: DeliveryRuntime;
  /** grpc: the HTTP/2 listener (its bound port). */
  grpc: GrpcListener;
  /** grpc: the node's open worker streams (a draining node waits for their workers' jobs). */
  rpcStreams: ActiveStreams;
  /** metrics: the port of the separate METRICS_PORT listener. */
  metricsPort: number;
}

export type Stop = () => Promise<void>;

/** Everything a feature adds to the server; the root wires each part into the one place it belongs. */
export interface FeatureParts {
  routes?: MountRoutes;
  /** HTTP middleware run before every route (CORS, security headers, request metrics), in feature order. */
  middleware?: MiddlewareHandler<AppEnv>[];
  /** Checks run on every authenticated HTTP request once the principal is known. */
  guards?: PrincipalGuard[];
  /** Bearer resolvers tried before the API-key lookup. */
  credentials?: CredentialResolver[];
  /** The engine's port to HTTP delivery (one feature at most brings it). */
  outbound?: OutboundHttp;
  /** Engine hooks, appended in feature order to each phase. */
  hooks?: { [Phase in keyof EngineHooks]?: EngineHooks[Phase] };
  /** Leader-run (or everyNode) background loops; started only when the server runs loops. */
  loops?: Loop[];
  /** Services known once built (before start). */
  provides?: Partial<FeatureServices>;
  /** Runs once the engine exists and before listeners open; may provide more services and return its stop. */
  start?: () => Promise<{ stop?: Stop; provides?: Partial<FeatureServices> } | void>;
}

/** One optional face or loop of the server. The list of them is data: src/features/index.ts. */
export interface Feature {
  name: string;
  build(services: CoreServices & Partial<FeatureServices>): FeatureParts | Promise<FeatureParts>;
}
