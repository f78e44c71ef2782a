import { get, post, qs, enc } from "../lib/api";
import { isJobEvent } from "../lib/live";
import { useLive } from "../lib/use-live";
import { href, navigate, useRoute } from "../lib/router";
import { shortId } from "../lib/format";
import { Action, Card, Empty, ErrorNote, Loading, Mono, PageHeader, Pager, Time, Table } from "../components/ui";

const PAGE = 25;

/** Dead-lettered jobs with their last error (the list view has none, so each row's job is read too). */
async function loadDeadLetters(queue: string, offset: number) {
  const rows = await get<any[]>(`/jobs/dlq${qs({ queue_name: queue, limit: PAGE + 1, offset })}`);
  const details = await Promise.all(rows.slice(0, PAGE).map((r) => get(`/jobs/${enc(r.id)}`).catch(() => null)));
  return { rows: rows.slice(0, PAGE).map((r, i) => ({ ...r, last_error: details[i]?.last_error ?? null, updated_at: details[i]?.updated_at ?? null })), more: rows.length > PAGE };
}

export function DeadLetters() {
  const { query } = useRoute();
  const queue = query.get("queue") ?? "";
  const offset = Number(query.get("offset") ?? 0) || 0;
  const list = useLive(() => loadDeadLetters(queue, offset), [queue, offset], { match: isJobEvent });
  const queues = useLive(() => get<any[]>("/queues"), [], { match: () => false });
  const scope = queue ? `in queue “${queue}”` : "in every queue";

  return (
    <>
      <PageHeader title="Dead-letter queue" subtitle="Jobs that used up their retries. Retry them once the cause is fixed, or purge them.">
        <Action
          kind="primary"
          run={() => post("/jobs/dlq/retry", { queue_name: queue || undefined, limit: 100 }).then(list.reload)}
          done="Dead letters queued again"
          confirm={{ title: "Retry dead letters?", body: `Up to 100 dead-lettered jobs ${scope}, oldest first, go back to pending with a fresh attempt budget.`, yes: "Retry them" }}
          testId="dlq-retry-all"
        >
          Retry all
        </Action>
        <Action
          kind="danger"
          run={() => post("/jobs/dlq/purge", { confirm: true, queue_name: queue || undefined }).then(list.reload)}
          done="Dead letters purged"
          confirm={{ title: "Purge dead letters?", body: `Every dead-lettered job ${scope} is deleted for good. Their history stays in the event log.`, yes: "Purge for good" }}
        >
          Purge
        </Action>
      </PageHeader>
      <Card>
        <form class="filters">
          <label>
            <span>Queue</span>
            <select value={queue} onChange={(e) => navigate(href("dlq", { queue: (e.target as HTMLSelectElement).value }))}>
              <option value="">Any</option>
              {(queues.data ?? []).map((q) => (
                <option key={q.queue_name} value={q.queue_name}>
                  {q.queue_name}
                </option>
              ))}
            </select>
          </label>
        </form>
        <ErrorNote error={list.error} />
        {!list.data ? (
          <Loading />
        ) : list.data.rows.length === 0 ? (
          <Empty icon="completed" title={queue ? `No dead letters in “${queue}”` : "The dead-letter queue is empty"}>
            Nothing is waiting for a decision. Jobs land here after their last retry fails.
          </Empty>
        ) : (
          <>
            <Table columns={["Job", "Queue", "Last error", { label: "Attempts", class: "num" }, "Dead since", ""]} testId="dlq-table">
            {list.data.rows.map((j) => (
              <tr key={j.id} data-job-id={j.id}>
                <td>
                  <a href={href("jobs", j.id)}>
                    <Mono title={j.id}>{shortId(j.id)}</Mono>
                  </a>
                </td>
                <td>{j.queue_name}</td>
                <td class="wrap error-cell">{j.last_error ?? <span class="muted">—</span>}</td>
                <td class="num">{j.retry_count}</td>
                <td>
                  <Time iso={j.updated_at} />
                </td>
                <td class="row-actions">
                  <Action run={() => post("/jobs/dlq/retry", { job_ids: [j.id] }).then(list.reload)} done="Job queued again" testId="dlq-retry">
                    Retry
                  </Action>
                </td>
              </tr>
            ))}
            </Table>
            <Pager offset={offset} size={PAGE} shown={list.data.rows.length} hasMore={list.data.more} onPage={(o) => navigate(href("dlq", { queue, offset: String(o) }))} />
          </>
        )}
      </Card>
    </>
  );
}
