import { z } from "zod";
import { intIn, jsonObject, queueName } from "./validate";

const HOSTNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9._\-]*[A-Za-z0-9_])?$/;
export const WORKER_STATUSES = ["healthy", "degraded", "draining", "offline"] as const;

const metadataObject = jsonObject("metadata", 65_536);

export const registerWorkerSchema = z.object({
  queue_name: queueName(),
  queue_names: z.array(queueName()).max(100).optional(),
  hostname: z
    .string({ error: "hostname is required" })
    .min(1, "hostname must be 1-255 characters")
    .max(255, "hostname must be 1-255 characters")
    .regex(HOSTNAME, "hostname may contain letters, digits, dots, dashes and underscores, and must not start or end with a dot or dash"),
  worker_type: z.string().max(50, "worker_type must be at most 50 characters").nullish(),
  max_concurrency: intIn(1, 100, "max_concurrency").optional(),
  metadata: metadataObject.optional(),
  version: z.string().max(50, "version must be at most 50 characters").nullish(),
  worker_id: z.string().min(1).max(128).regex(/^[A-Za-z0-9._\-]+$/, "worker_id may contain letters, digits, dots, dashes and underscores").optional(),
});
export type RegisterWorkerInput = z.infer<typeof registerWorkerSchema>;

export const workerHeartbeatSchema = z.object({
  current_jobs: intIn(0, 1000, "current_jobs"),
  status: z.enum(WORKER_STATUSES, { error: `status must be one of ${WORKER_STATUSES.join(", ")}` }).optional(),
  metadata: metadataObject.optional(),
});
export type WorkerHeartbeatInput = z.infer<typeof workerHeartbeatSchema>;

