import { useState } from "preact/hooks";
import { get, qs } from "../lib/api";
import { isJobEvent } from "../lib/live";
import { useLive } from "../lib/use-live";
import { href, navigate, useRoute } from "../lib/router";
import { shortId } from "../lib/format";
import { Card, Empty, ErrorNote, Loading, Mono, PageHeader, Pager, Time, Table } from "../components/ui";
import { Status, JOB_STATUSES } from "../components/status";

const PAGE = 25;

/** A datetime-local value (the visitor's zone) as an RFC 3339 instant, and back. */
const toInstant = (local: string) => (local ? new Date(local).toISOString() : undefined);
const toLocal = (iso: string | null) => {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

export function Jobs() {
  const { query } = useRoute();
  const filter = {
    status: query.get("status") ?? "",
    queue: query.get("queue") ?? "",
    search: query.get("search") ?? "",
    from: query.get("from") ?? "",
    to: query.get("to") ?? "",
  };
  const offset = Number(query.get("offset") ?? 0) || 0;
  const go = (change: Partial<typeof filter> & { offset?: number }) => {
    const next = { ...filter, ...change };
    navigate(href("jobs", { ...next, offset: change.offset ? String(change.offset) : undefined }));
  };

  const list = useLive(
    () =>
      get<any[]>(
        `/jobs${qs({ status: filter.status, queue_name: filter.queue, search: filter.search, created_after: filter.from, created_before: filter.to, limit: PAGE + 1, offset })}`,
      ),
    [filter.status, filter.queue, filter.search, filter.from, filter.to, offset],
    { match: isJobEvent },
  );
  const queues = useLive(() => get<any[]>("/queues"), [], { match: (e) => e.type === "JobCreated", settleMs: 2000 });
  const rows = list.data?.slice(0, PAGE) ?? [];
  const filtered = Object.values(filter).some(Boolean);

  return (
    <>
      <PageHeader title="Jobs" subtitle="Newest first. The list follows the event stream: new and changed jobs show up without a reload." />
      <Card>
        <Filters filter={filter} queues={queues.data?.map((q) => q.queue_name) ?? []} onChange={(c) => go({ ...c, offset: 0 })} />
        <ErrorNote error={list.error} />
        {!list.data ? (
          <Loading />
        ) : rows.length === 0 ? (
          filtered ? (
            <Empty icon="jobs" title="No job matches these filters">
              <a href={href("jobs")}>Clear the filters</a> or widen the time range.
            </Empty>
          ) : (
            <Empty icon="jobs" title="No jobs yet">
              Enqueue one: <code>POST /api/v1/jobs</code> with <code>{'{"queue_name": "emails", "payload": {…}}'}</code>. It appears here within a second.
            </Empty>
          )
        ) : (
          <>
            <Table columns={["Job", "Queue", "Status", { label: "Type", class: "hide-sm" }, { label: "Priority", class: "num hide-sm" }, { label: "Attempts", class: "num" }, "Created"]} testId="jobs-table">
            {rows.map((j) => (
              <tr key={j.id} data-job-id={j.id}>
                <td>
                  <a href={href("jobs", j.id)}>
                    <Mono title={j.id}>{shortId(j.id)}</Mono>
                  </a>
                </td>
                <td>
                  <a class="quiet" href={href("jobs", { queue: j.queue_name })}>
                    {j.queue_name}
                  </a>
                </td>
                <td>
                  <Status status={j.status} />
                </td>
                <td class="hide-sm">{j.job_type || <span class="muted">—</span>}</td>
                <td class="num hide-sm">{j.priority}</td>
                <td class="num">
                  {j.retry_count} / {j.max_retries}
                </td>
                <td>
                  <Time iso={j.created_at} />
                </td>
              </tr>
            ))}
            </Table>
            <Pager offset={offset} size={PAGE} shown={rows.length} hasMore={(list.data?.length ?? 0) > PAGE} onPage={(o) => go({ offset: o })} />
          </>
        )}
      </Card>
    </>
  );
}

function Filters({ filter, queues, onChange }: { filter: Record<string, string>; queues: string[]; onChange: (c: Record<string, string>) => void }) {
  const [search, setSearch] = useState(filter.search);
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ search: search.trim() });
      }}
    >
      <label>
        <span>Status</span>
        <select value={filter.status} onChange={(e) => onChange({ status: (e.target as HTMLSelectElement).value })} data-testid="filter-status">
          <option value="">Any</option>
          {JOB_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Queue</span>
        <select value={filter.queue} onChange={(e) => onChange({ queue: (e.target as HTMLSelectElement).value })}>
          <option value="">Any</option>
          {[...new Set([...queues, filter.queue].filter(Boolean))].map((q) => (
            <option key={q} value={q}>
              {q}
            </option>
          ))}
        </select>
      </label>
      <label class="grow">
        <span>Id or idempotency key</span>
        <input type="search" value={search} placeholder="part of an id or key, then Enter" onInput={(e) => setSearch((e.target as HTMLInputElement).value)} onBlur={() => search.trim() !== filter.search && onChange({ search: search.trim() })} />
      </label>
      <label>
        <span>Created from</span>
        <input type="datetime-local" value={toLocal(filter.from || null)} onChange={(e) => onChange({ from: toInstant((e.target as HTMLInputElement).value) ?? "" })} />
      </label>
      <label>
        <span>until</span>
        <input type="datetime-local" value={toLocal(filter.to || null)} onChange={(e) => onChange({ to: toInstant((e.target as HTMLInputElement).value) ?? "" })} />
      </label>
    </form>
  );
}
