import { useState } from "preact/hooks";
import { get, post, enc } from "../lib/api";
import { useLive } from "../lib/use-live";
import { href } from "../lib/router";
import { dateTime, shortId, zonedTime } from "../lib/format";
import { nextRunAfter } from "../../../../domain/cron";
import { Action, Card, Empty, Loading, Mono, PageHeader, Time, Table, Listing } from "../components/ui";
import { Status } from "../components/status";

/** The next `n` fires after now, computed with the server's own cron code (same zone and daylight-saving rules). */
function nextRuns(expression: string, zone: string, n: number): Date[] {
  const out: Date[] = [];
  let after = new Date();
  try {
    for (let i = 0; i < n; i++) {
      const next = nextRunAfter(expression, zone, after);
      if (!next) break;
      out.push(next);
      after = next;
    }
  } catch {}
  return out;
}

export function Schedules() {
  const list = useLive(() => get<any[]>("/schedules?limit=100"), [], { match: (e) => e.type.startsWith("schedule."), settleMs: 500 });
  const [open, setOpen] = useState<string>();

  return (
    <>
      <PageHeader title="Schedules" subtitle="Cron schedules that enqueue jobs. Times are shown in each schedule's own time zone." />
      <Card>
        <Listing live={list} empty={
          <Empty icon="schedules" title="No schedules yet">
          Create one with <code>POST /api/v1/schedules</code>: a name, a <code>cron_expression</code>, a <code>timezone</code> and a <code>queue_name</code>.
        </Empty>
        }>
          {(rows) => (
          <Table columns={["Schedule", "State", "Cron", "Next runs", { label: "Last run", class: "hide-sm" }, ""]} testId="schedules-table">
          {rows.flatMap((s) => [
            <tr key={s.id}>
              <td>
                <strong>{s.name}</strong>
                <div class="muted small">→ {s.queue_name}</div>
              </td>
              <td>
                <Status status={s.is_active ? "active" : "paused"} />
              </td>
              <td>
                <Mono>{s.cron_expression}</Mono>
                <div class="muted small">{s.timezone}</div>
              </td>
              <td class="small">
                {s.is_active ? (
                  <ul class="plain">
                    {nextRuns(s.cron_expression, s.timezone, 3).map((d) => (
                      <li key={d.getTime()}>{zonedTime(d.toISOString(), zoneFor(s.timezone))}</li>
                    ))}
                  </ul>
                ) : (
                  <span class="muted">paused — resume to run</span>
                )}
              </td>
              <td class="hide-sm">
                <Time iso={s.last_run_at} zone={zoneFor(s.timezone)} />
                  <div class="muted small">{s.run_count === 1 ? "1 run" : `${s.run_count} runs`}</div>
              </td>
              <td class="row-actions">
                {s.is_active ? (
                  <Action run={() => post(`/schedules/${enc(s.id)}/pause`).then(list.reload)} done={`${s.name} paused`}>
                    Pause
                  </Action>
                ) : (
                  <Action kind="primary" run={() => post(`/schedules/${enc(s.id)}/resume`).then(list.reload)} done={`${s.name} resumed`}>
                    Resume
                  </Action>
                )}
                <Action run={() => post(`/schedules/${enc(s.id)}/trigger`).then(list.reload)} done={`${s.name} triggered`}>
                  Run now
                </Action>
                <button class="btn" aria-expanded={open === s.id} onClick={() => setOpen(open === s.id ? undefined : s.id)}>
                  History
                </button>
              </td>
            </tr>,
            open === s.id ? (
              <tr key={`${s.id}-history`} class="expanded">
                <td colSpan={6}>
                  <ScheduleHistory id={s.id} zone={zoneFor(s.timezone)} />
                </td>
              </tr>
            ) : null,
          ])}
          </Table>
          )}
        </Listing>
      </Card>
    </>
  );
}

/** Intl accepts IANA names and, in current browsers, ±HH:MM offsets; an unknown zone falls back to the viewer's. */
const zoneFor = (zone: string) => zone || "UTC";

function ScheduleHistory({ id, zone }: { id: string; zone: string }) {
  const runs = useLive(() => get<any[]>(`/schedules/${enc(id)}/history?limit=20`), [id], { match: (e) => e.type.startsWith("schedule.") || e.type === "JobStatusChange" });
  if (!runs.data) return <Loading />;
  if (runs.data.length === 0) return <p class="muted">No runs yet. “Run now” starts one at once.</p>;
  return (
    <table class="inner">
      <thead>
        <tr>
          <th>Started ({zone})</th>
          <th>Trigger</th>
          <th>Status</th>
          <th>Job</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        {runs.data.map((r) => (
          <tr key={r.id}>
            <td>{dateTime(r.started_at, zone)}</td>
            <td>{r.trigger}</td>
            <td>
              <Status status={r.status} />
            </td>
            <td>{r.job_id ? <a href={href("jobs", r.job_id)}><Mono>{shortId(r.job_id)}</Mono></a> : "—"}</td>
            <td class="wrap">{r.error_message ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
