import { get, post, del, enc } from "../lib/api";
import { isJobEvent } from "../lib/live";
import { useLive } from "../lib/use-live";
import { href } from "../lib/router";
import { dateTime, duration } from "../lib/format";
import { Action, Card, Empty, ErrorNote, JsonBlock, Loading, Mono, PageHeader, Time, Table } from "../components/ui";
import { Status } from "../components/status";
import { Icon } from "../components/icons";

const RETRYABLE = new Set(["failed", "deadletter"]);
const CANCELLABLE = new Set(["pending", "scheduled", "processing"]);

/** What each history event means, in words (docs/api.md "Job history"). */
const EVENT_WORDS: Record<string, string> = {
  created: "Enqueued",
  claimed: "Claimed by a worker",
  completed: "Completed",
  failed: "Attempt failed, will retry",
  deadlettered: "Moved to the dead-letter queue",
  lease_expired: "Lease expired, back to pending",
  cancelled: "Cancelled",
  retried: "Retried by hand",
  dlq_retried: "Retried from the dead-letter queue",
  priority_changed: "Priority changed",
  activated: "Became due",
  released: "Released by its worker",
  dependencies_met: "Dependencies met",
  dependencies_pending: "Waiting for dependencies",
};

async function loadJob(id: string) {
  const [job, history, attempts] = await Promise.all([
    get(`/jobs/${enc(id)}`),
    get<any[]>(`/jobs/${enc(id)}/history?limit=500`),
    get<any[]>(`/jobs/${enc(id)}/attempts`).catch(() => [] as any[]),
  ]);
  return { job, history, attempts };
}

export function JobPage({ id }: { id: string }) {
  const r = useLive(() => loadJob(id), [id], { match: (e) => isJobEvent(e) && e.data.job_id === id, settleMs: 100 });
  if (!r.data) {
    return (
      <>
        <PageHeader title={<Mono>{id}</Mono>} />
        {r.error ? (
          <Empty icon="jobs" title={r.error.status === 404 ? "This job does not exist (or it was purged)" : r.error.message}>
            <a href={href("jobs")}>Back to the jobs</a>
          </Empty>
        ) : (
          <Loading />
        )}
      </>
    );
  }
  const { job, history, attempts } = r.data;
  const ran = job.started_at && job.completed_at ? (Date.parse(job.completed_at) - Date.parse(job.started_at)) / 1000 : null;

  return (
    <>
      <a class="back" href={href("jobs")}>
        <Icon name="back" size={14} /> Jobs
      </a>
      <PageHeader
        title={
          <>
            Job <Mono>{job.id}</Mono>
          </>
        }
        subtitle={
          <span class="inline-status" data-testid="job-status">
            <Status status={job.status} /> in queue <a href={href("jobs", { queue: job.queue_name })}>{job.queue_name}</a>
          </span>
        }
      >
        {RETRYABLE.has(job.status) && (
          <Action kind="primary" run={() => post(`/jobs/${enc(id)}/retry`).then(r.reload)} done="Job queued again" testId="job-retry">
            Retry
          </Action>
        )}
        {CANCELLABLE.has(job.status) && (
          <Action kind="danger" run={() => del(`/jobs/${enc(id)}`).then(r.reload)} done="Job cancelled" confirm={{ title: "Cancel this job?", body: "A cancelled job is not run again unless someone retries it.", yes: "Cancel job" }}>
            Cancel
          </Action>
        )}
      </PageHeader>
      <ErrorNote error={r.error} />

      <div class="grid-2 grid-job">
        <Card title="Details">
          <dl class="facts">
            <dt>Failed attempts</dt>
            <dd>
              {job.retry_count} <span class="muted">· {job.max_retries} retries allowed</span>
            </dd>
            <dt>Priority</dt>
            <dd>{job.priority}</dd>
            <dt>Created</dt>
            <dd>{dateTime(job.created_at)}</dd>
            <dt>Scheduled</dt>
            <dd>{dateTime(job.scheduled_at)}</dd>
            <dt>Started</dt>
            <dd>{dateTime(job.started_at)}</dd>
            <dt>Finished</dt>
            <dd>
              {dateTime(job.completed_at)}
              {ran !== null && <span class="muted"> · ran {duration(ran)}</span>}
            </dd>
            <dt>Worker</dt>
            <dd>{job.assigned_worker_id ? <Mono>{job.assigned_worker_id}</Mono> : <span class="muted">—</span>}</dd>
            <dt>Idempotency key</dt>
            <dd>{job.idempotency_key ? <Mono>{job.idempotency_key}</Mono> : <span class="muted">—</span>}</dd>
            {job.workflow_id && (
              <>
                <dt>Workflow</dt>
                <dd>
                  <a href={href("workflows", job.workflow_id)}>
                    <Mono>{job.workflow_id}</Mono>
                  </a>
                </dd>
              </>
            )}
            {job.tags && (
              <>
                <dt>Tags</dt>
                <dd>
                  <Mono>{JSON.stringify(job.tags)}</Mono>
                </dd>
              </>
            )}
          </dl>
          {job.last_error && (
            <div class="last-error">
              <h3>Last error</h3>
              <pre class="json tone-bad-soft" data-testid="job-error">
                {job.last_error}
              </pre>
            </div>
          )}
        </Card>
        <Card title="History" class="history-card">
          <ol class="timeline" data-testid="job-history">
            {history.map((h) => (
              <li key={h.id} class={`tl-${h.event}`}>
                <span class="tl-marker" aria-hidden="true">
                  <Status status={h.status} />
                </span>
                <div class="tl-body">
                  <strong>{EVENT_WORDS[h.event] ?? h.event}</strong>
                  <span class="muted">
                    {" "}
                    <Time iso={h.created_at} />
                    {h.worker_id && (
                      <>
                        {" "}
                        · <Mono>{h.worker_id}</Mono>
                      </>
                    )}
                  </span>
                  {h.error && <div class="tl-error">{h.error}</div>}
                  {h.detail?.next_attempt_at && <div class="muted">next attempt {dateTime(h.detail.next_attempt_at)}</div>}
                </div>
              </li>
            ))}
          </ol>
        </Card>
      </div>

      <div class="grid-2">
        <Card title="Payload">
          <JsonBlock value={job.payload} />
        </Card>
        <Card title="Result">
          <JsonBlock value={job.result} empty={job.status === "completed" ? "The job completed without a result." : "No result until the job completes."} />
        </Card>
      </div>

      {attempts.length > 0 && (
        <Card title={`HTTP attempts (${attempts.length})`}>
          <Table columns={[{ label: "#", class: "num" }, "When", "Outcome", { label: "Status", class: "num" }, { label: "Latency", class: "num" }, "Error"]}>
          {attempts.map((a) => (
            <tr key={a.attempt}>
              <td class="num">{a.attempt}</td>
              <td>
                <Time iso={a.started_at} />
              </td>
              <td>{a.outcome}</td>
              <td class="num">{a.response?.status ?? "—"}</td>
              <td class="num">{a.latency_ms} ms</td>
              <td class="wrap">{a.error ?? (a.response?.body_excerpt ? <span class="muted">{a.response.body_excerpt.slice(0, 120)}</span> : "—")}</td>
            </tr>
          ))}
          </Table>
        </Card>
      )}
    </>
  );
}
