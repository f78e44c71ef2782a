import type { Feature } from "../server";
import { accountsFeature } from "./accounts";
import { metricsFeature } from "../metrics/feature";
import { workflowsFeature } from "./workflows";
import { schedulesFeature } from "./schedules";
import { grpcFeature } from "../rpc/feature";
import { webhooksFeature } from "../delivery/feature";
import { realtimeFeature } from "./realtime";
import { webUiFeature } from "./web-ui";
import { operationsFeature } from "./operations";
import { openApiFeature } from "../http/openapi/feature";

/**
 * Every optional face or loop of the server, in start order. A feature is one module that exports a Feature;
 * adding one is one import and one line here.
 */
export const FEATURES: Feature[] = [
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
