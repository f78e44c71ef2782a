/**
 * Latency from a parent job's completion to its dependent being claimable, over REST on a real server.
 * For each pair (parent, child with parent_job_id, and a two-step workflow across queues): claim and complete the
 * parent, then claim the child at once. "after commit" runs from the moment the complete call returned to the
 * moment a claim returned the child; "end to end" also includes the complete call itself.
 *   bun bench/dependency-latency.ts [pairs=300]
 */
import { databaseKinds } from "../tests/helpers/databases";
import { startTestServer, type Client } from "../tests/helpers/server";

const pairs = Number(process.argv[2] ?? 300);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const report = (label: string, samples: number[]) => {
  const s = [...samples].sort((a, b) => a - b);
  console.log(`  ${label.padEnd(34)} p50 ${percentile(s, 50).toFixed(2)} ms   p99 ${percentile(s, 99).toFixed(2)} ms   (n=${s.length})`);
};

async function measure(api: Client, makePair: (i: number) => Promise<{ parentQueue: string; childQueue: string; child: string }>) {
  const afterCommit: number[] = [];
  const endToEnd: number[] = [];
  let misses = 0;
  for (let i = 0; i < pairs; i++) {
    const { parentQueue, childQueue, child } = await makePair(i);
    const [parent] = (await api.post("/api/v1/jobs/claim", { queue_name: parentQueue, worker_id: "bench" })).body.jobs;
    const started = performance.now();
    await api.post(`/api/v1/jobs/${parent.id}/complete`, { worker_id: "bench", lease_id: parent.lease_id });
    const committed = performance.now();
    for (;;) {
      const [job] = (await api.post("/api/v1/jobs/claim", { queue_name: childQueue, worker_id: "bench" })).body.jobs;
      if (job) {
        if (job.id !== child) throw new Error("claimed an unexpected job");
        break;
      }
      misses++;
    }
    const claimed = performance.now();
    afterCommit.push(claimed - committed);
    endToEnd.push(claimed - started);
  }
  return { afterCommit, endToEnd, misses };
}

for (const kind of await databaseKinds()) {
  const server = await startTestServer(kind);
  const { client: api } = await server.newOrg();
  console.log(`${kind}: ${pairs} pairs`);

  const plain = await measure(api, async (i) => {
    const queue = `pair-${i}`;
    const parent = (await api.post("/api/v1/jobs", { queue_name: queue, payload: {} })).body.id;
    const child = (await api.post("/api/v1/jobs", { queue_name: queue, payload: {}, parent_job_id: parent })).body.id;
    return { parentQueue: queue, childQueue: queue, child };
  });
  report("parent_job_id, after commit", plain.afterCommit);
  report("parent_job_id, end to end", plain.endToEnd);

  const flow = await measure(api, async (i) => {
    const r = await api.post("/api/v1/workflows", {
      name: `chain ${i}`,
      jobs: [
        { key: "first", queue_name: `first-${i}`, payload: {} },
        { key: "second", queue_name: `second-${i}`, payload: {}, depends_on: ["first"] },
      ],
    });
    return { parentQueue: `first-${i}`, childQueue: `second-${i}`, child: r.body.job_ids[1].job_id };
  });
  report("workflow edge, after commit", flow.afterCommit);
  report("workflow edge, end to end", flow.endToEnd);
  console.log(`  claims that found nothing: ${plain.misses + flow.misses}`);
  await server.stop();
}
