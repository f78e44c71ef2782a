import { useState } from "preact/hooks";
import { get, post, put, enc } from "../lib/api";
import { isJobEvent, isQueueEvent } from "../lib/live";
import { useLive } from "../lib/use-live";
import { href } from "../lib/router";
import { count, duration } from "../lib/format";
import { Action, Card, Dialog, Empty, PageHeader, Table, Listing } from "../components/ui";
import { Status } from "../components/status";
import { toast } from "../components/toast";

async function loadQueues() {
  const queues = await get<any[]>("/queues");
  return Promise.all(queues.map(async (q) => ({ ...q, stats: await get(`/queues/${enc(q.queue_name)}/stats`).catch(() => null) })));
}

export function Queues() {
  const list = useLive(loadQueues, [], { match: (e) => isQueueEvent(e) || isJobEvent(e), settleMs: 800 });
  const [editing, setEditing] = useState<any>();

  return (
    <>
      <PageHeader title="Queues" subtitle="Depth, age and workers per queue. Pausing stops claims; enqueueing still works." />
      <Card>
        <Listing live={list} empty={
          <Empty icon="queues" title="No queues yet">
          Queues are created by their first job (<code>POST /api/v1/jobs</code>) or by configuring them.
        </Empty>
        }>
          {(rows) => (
          <Table columns={["Queue", "State", { label: "Pending", class: "num" }, { label: "Processing", class: "num" }, { label: "Oldest waiting", class: "num hide-sm" }, { label: "Done / failed 24 h", class: "num hide-sm" }, { label: "Workers", class: "num hide-sm" }, { label: "Config", class: "hide-sm" }, ""]} testId="queues-table">
          {rows.map((q) => {
            const s = q.stats ?? {};
            return (
              <tr key={q.queue_name} data-queue={q.queue_name}>
                <td>
                  <a href={href("jobs", { queue: q.queue_name })}>{q.queue_name}</a>
                </td>
                <td>
                  <Status status={q.enabled ? "active" : "paused"} />
                </td>
                <td class="num">{count(s.pending_jobs)}</td>
                <td class="num">{count(s.processing_jobs)}</td>
                <td class="num hide-sm">{s.max_job_age_seconds == null ? "—" : duration(s.max_job_age_seconds)}</td>
                <td class="num hide-sm">
                  {count(s.completed_jobs_24h)} / <span class={s.failed_jobs_24h ? "tone-text-bad" : ""}>{count(s.failed_jobs_24h)}</span>
                </td>
                <td class="num hide-sm">{s.active_workers ?? 0}</td>
                <td class="hide-sm muted small config-cell">
                  {q.max_retries} retries · {q.default_timeout} s timeout{q.rate_limit ? ` · ${q.rate_limit}/s` : ""}
                </td>
                <td class="row-actions">
                  {q.enabled ? (
                    <Action run={() => post(`/queues/${enc(q.queue_name)}/pause`, { reason: "Paused from the dashboard" }).then(list.reload)} done={`Queue ${q.queue_name} paused`}>
                      Pause
                    </Action>
                  ) : (
                    <Action kind="primary" run={() => post(`/queues/${enc(q.queue_name)}/resume`).then(list.reload)} done={`Queue ${q.queue_name} resumed`}>
                      Resume
                    </Action>
                  )}
                  <button class="btn" onClick={() => setEditing(q)}>
                    Edit
                  </button>
                </td>
              </tr>
            );
          })}
          </Table>
          )}
        </Listing>
      </Card>
      {editing && <QueueConfig queue={editing} onClose={() => setEditing(undefined)} onSaved={list.reload} />}
    </>
  );
}

function QueueConfig({ queue, onClose, onSaved }: { queue: any; onClose: () => void; onSaved: () => void }) {
  const [form, setForm] = useState({ max_retries: String(queue.max_retries), default_timeout: String(queue.default_timeout), rate_limit: queue.rate_limit ? String(queue.rate_limit) : "" });
  const [busy, setBusy] = useState(false);
  const field = (name: keyof typeof form, label: string, hint: string) => (
    <label class="field">
      <span>{label}</span>
      <input type="number" min="0" value={form[name]} onInput={(e) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value })} />
      <small class="muted">{hint}</small>
    </label>
  );
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await put(`/queues/${enc(queue.queue_name)}/config`, {
        max_retries: Number(form.max_retries),
        default_timeout: Number(form.default_timeout),
        rate_limit: form.rate_limit.trim() === "" ? null : Number(form.rate_limit),
      });
      toast(`Queue ${queue.queue_name} saved`);
      onSaved();
      onClose();
    } catch (err) {
      toast((err as Error).message, "bad");
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Configure ${queue.queue_name}`} onClose={onClose}>
      <form onSubmit={save} class="dialog-form">
        {field("max_retries", "Max retries", "Default for new jobs without their own (0–100).")}
        {field("default_timeout", "Timeout (seconds)", "Default job timeout (1–86400).")}
        {field("rate_limit", "Rate limit (jobs/s)", "Empty for no limit.")}
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={onClose}>
            Close
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
