import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { join } from "node:path";
import type { TestServer } from "./server";

/** Loaded exactly as the Spooled Node SDK loads its proto (contract grpc.md section 7). */
const definition = protoLoader.loadSync(["spooled/v1/queue.proto", "spooled/v1/worker.proto"], {
  includeDirs: [join(import.meta.dir, "../../proto")],
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const pkg = grpc.loadPackageDefinition(definition) as any;

export function grpcPortOf(server: TestServer): number {
  const listener = server.grpc;
  if (!listener) throw new Error("gRPC listener is not running");
  return listener.port;
}

export interface GrpcClients {
  queue: any;
  worker: any;
  metadata: grpc.Metadata;
  /** Unary call as a promise; rejects with the grpc-js ServiceError. */
  call<T = any>(client: any, method: string, request: object, metadata?: grpc.Metadata): Promise<T>;
  close(): void;
}

export function metadataWith(entries: Record<string, string>): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(entries)) md.set(k, v);
  return md;
}

/** Two grpc-js clients (QueueService, WorkerService) on one address, as the SDK builds them (channel options too). */
export function grpcClients(address: string, key?: string, channelOptions: grpc.ChannelOptions = {}): GrpcClients {
  const credentials = grpc.credentials.createInsecure();
  const queue = new pkg.spooled.v1.QueueService(address, credentials, channelOptions);
  const worker = new pkg.spooled.v1.WorkerService(address, credentials, channelOptions);
  const metadata = key ? metadataWith({ "x-api-key": key }) : new grpc.Metadata();
  return {
    queue,
    worker,
    metadata,
    call: (client, method, request, md = metadata) =>
      new Promise((resolve, reject) => client[method](request, md, (err: grpc.ServiceError | null, res: any) => (err ? reject(err) : resolve(res)))),
    close() {
      queue.close();
      worker.close();
    },
  };
}

/** Resolves with the error a unary call fails with; fails the test when the call succeeds. */
export async function grpcError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    const value = await promise;
    throw new Error(`expected a gRPC error, got ${JSON.stringify(value)}`);
  } catch (err: any) {
    if (typeof err?.code !== "number") throw err;
    return err;
  }
}

/** Collects the next `count` messages of a readable stream (server streaming or bidi). */
export function nextMessages<T = any>(stream: NodeJS.ReadableStream, count: number): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    const onData = (m: T) => {
      got.push(m);
      if (got.length === count) {
        cleanup();
        resolve(got);
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      stream.off("data", onData);
      stream.off("error", onError);
    };
    stream.on("data", onData);
    stream.on("error", onError);
  });
}

export { grpc };

/** Plain JSON ⇄ google.protobuf.Struct as proto-loader sees it, the way the SDK converts payloads itself. */
export function toStruct(obj: Record<string, unknown>): any {
  return { fields: Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, toValue(v)])) };
}
function toValue(v: unknown): any {
  if (v === null || v === undefined) return { nullValue: "NULL_VALUE" };
  if (typeof v === "number") return { numberValue: v };
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v as Record<string, unknown>) };
}
export function fromStruct(s: any): Record<string, unknown> | null {
  if (!s) return null;
  return Object.fromEntries(Object.entries(s.fields ?? {}).map(([k, v]) => [k, fromValue(v)]));
}
function fromValue(v: any): unknown {
  switch (v.kind) {
    case "nullValue": return null;
    case "numberValue": return v.numberValue;
    case "stringValue": return v.stringValue;
    case "boolValue": return v.boolValue;
    case "listValue": return (v.listValue.values ?? []).map(fromValue);
    case "structValue": return fromStruct(v.structValue);
    default: return undefined;
  }
}
export const seconds = (ts: any) => (ts ? Number(ts.seconds) + ts.nanos / 1e9 : null);
