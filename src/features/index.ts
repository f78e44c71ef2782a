import type { Feature } from "./feature";
import { accountsFeature } from "./accounts";
import { metricsFeature } from "./metrics";
import { realtimeFeature } from "./realtime";
import { workflowsFeature } from "./workflows";
import { schedulesFeature } from "./schedules";
import { grpcFeature } from "./grpc";
import { webhooksFeature } from "./webhooks";
import { operationsFeature } from "./operations";
import { webUiFeature } from "./web-ui";
import { openApiFeature } from "./openapi";

/**
 * Every optional face or loop of the server, in start order: the one list the composition root (src/server.ts)
 * wires. Leaving a feature out removes its routes, hooks, loops and services. docs/extending.md
 */
export const FEATURES: readonly Feature[] = [
  accountsFeature,
  metricsFeature,
  realtimeFeature,
  workflowsFeature,
  schedulesFeature,
  grpcFeature,
  webhooksFeature,
  operationsFeature,
  webUiFeature,
  openApiFeature,
];

/** The default list without the named features (tests, embedding). */
export const featuresWithout = (...names: string[]): Feature[] => FEATURES.filter((f) => !names.includes(f.name));
