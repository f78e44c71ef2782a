// A streaming worker in its own process that never settles: it prints the id of every job it is pushed, one JSON
// line each, until it is killed. For tests of what happens to jobs whose worker dies mid-batch.
//   bun tests/helpers/grpc-stream-child.ts <address> <api key> <queue> <worker id> <prefetch>
import { grpcClients, metadataWith } from "./grpc";

const [address, key, queueName, workerId, prefetch] = process.argv.slice(2) as [string, string, string, string, string];
const c = grpcClients(address, key);
const stream = c.queue.streamJobs({ queueName, workerId, leaseDurationSecs: 300 }, metadataWith({ "x-api-key": key, "x-spindle-prefetch": prefetch }));
stream.on("data", (job: any) => console.log(JSON.stringify({ id: job.id })));
stream.on("error", (err: Error) => console.error(err.message));
