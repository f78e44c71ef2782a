import type { Feature } from "./server";
import { webhooksFeature } from "./delivery/feature";

/**
 * Every optional face or loop of the server, in start order. A feature is one module that exports a Feature;
 * adding one is one import and one line here.
 */
export const FEATURES: Feature[] = [
  webhooksFeature,
];
