import { get, enc } from "../lib/api";
import { isJobEvent, isQueueEvent, isWorkerEvent } from "../lib/live";
import { useLive } from "../lib/use-live";
import { href } from "../lib/router";
import { count, duration } from "../lib/format";
import { Card, Empty, ErrorNote, Loading, PageHeader, Stat, Table } from "../components/ui";
import { Status, JOB_STATUSES } from "../components/status";
import { StatusBar, ThroughputChart, type MinutePoint } from "../components/chart";

interface QueueRow {
  name: string;
  pending: number;
  processing: number;
  paused: boolean;
  oldest: number | null;
  workers: number;
}

async function loadOverview() {
  const [dash, stats] = await Promise.all([get("/dashboard"), get<Record<string, number>>("/jobs/stats")]);
  const queues: QueueRow[] = await Promise.all(
    (dash.queues as any[]).map(async (q) => {
      const s = await get(`/queues/${enc(q.name)}/stats`).catch(() => null);
      return { name: q.name, pending: q.pending, processing: q.processing, paused: q.paused, oldest: s?.max_job_age_seconds ?? null, workers: s?.active_workers ?? 0 };
    }),
  );
  return { dash, stats, queues };
}

export function Overview() {
  const main = useLive(loadOverview, [], { match: (e) => isJobEvent(e) || isWorkerEvent(e) || isQueueEvent(e), settleMs: 500 });
  const chart = useLive(() => get<{ minutes: MinutePoint[] }>("/dashboard/throughput?minutes=60"), [], { match: isJobEvent, settleMs: 3000, pollMs: 20_000 });
  const d = main.data;

  return (
    <>
      <PageHeader title="Overview" subtitle="Everything your organization's queues are doing, as it happens." />
      <ErrorNote error={main.error} />
      {!d ? (
        <Loading />
      ) : (
        <>
          <div class="stats">
            <Stat label="Pending" value={count(d.stats.pending)} hint={`${count(d.stats.scheduled)} scheduled`} href={href("jobs", { status: "pending" })} />
            <Stat label="Processing" value={count(d.stats.processing)} href={href("jobs", { status: "processing" })} />
            <Stat label="Completed (24 h)" value={count(d.dash.jobs.completed_24h)} tone="ok" hint={avg(d.dash.jobs.avg_processing_time_ms)} />
            <Stat label="Failed (24 h)" value={count(d.dash.jobs.failed_24h)} tone={d.dash.jobs.failed_24h ? "bad" : undefined} />
            <Stat label="Dead letters" value={<span data-testid="dlq-size">{count(d.stats.deadletter)}</span>} tone={d.stats.deadletter ? "bad" : undefined} href={href("dlq")} hint={d.stats.deadletter ? "need a decision" : "none waiting"} />
            <Stat label="Workers online" value={`${d.dash.workers.healthy} / ${d.dash.workers.total}`} tone={d.dash.workers.total && d.dash.workers.healthy < d.dash.workers.total ? "warn" : undefined} href={href("workers")} />
          </div>

          <div class="grid-2">
            <Card title="Throughput">{chart.data ? <ThroughputChart points={chart.data.minutes} /> : <Loading />}</Card>
            <Card title="Jobs by status" actions={<a href={href("jobs")}>All jobs →</a>}>
              {d.stats.total ? (
                <StatusBar counts={d.stats} order={JOB_STATUSES} hrefOf={(s) => href("jobs", { status: s })} />
              ) : (
                <Empty icon="jobs" title="No jobs yet">
                  Enqueue one with <code>POST /api/v1/jobs</code> and a <code>queue_name</code>; it shows up here at once.
                </Empty>
              )}
            </Card>
          </div>

          <Card title="Queues" actions={<a href={href("queues")}>Manage →</a>}>
            {d.queues.length === 0 ? (
              <Empty icon="queues" title="No queues yet">
                A queue appears when its first job is enqueued or when you configure it with <code>PUT /api/v1/queues/&#123;name&#125;/config</code>.
              </Empty>
            ) : (
              <Table columns={["Queue", "State", { label: "Pending", class: "num" }, { label: "Processing", class: "num" }, { label: "Oldest pending", class: "num" }, { label: "Workers", class: "num" }]}>
              {d.queues.map((q) => (
                <tr key={q.name}>
                  <td>
                    <a href={href("jobs", { queue: q.name })}>{q.name}</a>
                  </td>
                  <td>
                    <Status status={q.paused ? "paused" : "active"} />
                  </td>
                  <td class="num">{count(q.pending)}</td>
                  <td class="num">{count(q.processing)}</td>
                  <td class={`num ${q.oldest && q.oldest > 300 ? "tone-text-warn" : ""}`}>{q.oldest == null || !q.pending ? "—" : duration(q.oldest)}</td>
                  <td class="num">{q.workers}</td>
                </tr>
              ))}
              </Table>
            )}
          </Card>
        </>
      )}
    </>
  );
}

const avg = (ms: number | null) => (ms == null ? undefined : `avg ${duration(ms / 1000)} each`);
