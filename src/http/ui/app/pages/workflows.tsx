import { get, post, enc } from "../lib/api";
import { isJobEvent } from "../lib/live";
import { useLive, type LiveData } from "../lib/use-live";
import { href } from "../lib/router";
import { shortId } from "../lib/format";
import { Action, Card, Empty, ErrorNote, Loading, Mono, PageHeader, Time, Table, Listing } from "../components/ui";
import { Status } from "../components/status";
import { Icon } from "../components/icons";
import { WorkflowGraph } from "../components/dag";

export function Workflows() {
  const list = useLive(() => get<any[]>("/workflows?limit=100"), [], { match: isJobEvent, settleMs: 1000 });
  return (
    <>
      <PageHeader title="Workflows" subtitle="Jobs with dependencies, run as a graph." />
      <Card>
        <Listing live={list} empty={
          <Empty icon="workflows" title="No workflows yet">
          Create one with <code>POST /api/v1/workflows</code>: a name and jobs that name each other in <code>depends_on</code>.
        </Empty>
        }>
          {(rows) => (
          <Table columns={["Workflow", "Status", "Progress", { label: "Failed", class: "num" }, "Created"]} testId="workflows-table">
          {rows.map((w) => (
            <tr key={w.id}>
              <td>
                <a href={href("workflows", w.id)}>{w.name}</a>
                <div class="muted small">
                  <Mono>{shortId(w.id)}</Mono>
                </div>
              </td>
              <td>
                <Status status={w.status} />
              </td>
              <td>
                <span class="meter">
                  <meter min={0} max={Math.max(1, w.total_jobs)} value={w.completed_jobs} />
                  <span>
                    {w.completed_jobs} / {w.total_jobs}
                  </span>
                </span>
              </td>
              <td class="num">{w.failed_jobs}</td>
              <td>
                <Time iso={w.created_at} />
              </td>
            </tr>
          ))}
          </Table>
          )}
        </Listing>
      </Card>
    </>
  );
}

export function WorkflowPage({ id }: { id: string }) {
  const wf: LiveData<any> = useLive(() => get(`/workflows/${enc(id)}`), [id], {
    // Job events carry no workflow id: refresh when one of this workflow's jobs changes.
    match: (e) => isJobEvent(e) && (wf.data?.jobs ?? []).some((j: any) => j.id === e.data.job_id),
    settleMs: 150,
  });
  const w = wf.data;
  return (
    <>
      <a class="back" href={href("workflows")}>
        <Icon name="back" size={14} /> Workflows
      </a>
      {!w ? (
        wf.error ? (
          <Empty icon="workflows" title={wf.error.status === 404 ? "This workflow does not exist" : wf.error.message} />
        ) : (
          <Loading />
        )
      ) : (
        <>
          <PageHeader
            title={w.name}
            subtitle={
              <span class="inline-status" data-testid="workflow-status">
                <Status status={w.status} /> {w.progress.completed} of {w.progress.total} jobs completed
                {w.progress.failed ? `, ${w.progress.failed} failed` : ""}
              </span>
            }
          >
            {(w.status === "failed" || w.status === "cancelled") && (
              <Action kind="primary" run={() => post(`/workflows/${enc(id)}/retry`).then(wf.reload)} done="Workflow retried">
                Retry failed jobs
              </Action>
            )}
            {(w.status === "pending" || w.status === "running") && (
              <Action kind="danger" run={() => post(`/workflows/${enc(id)}/cancel`).then(wf.reload)} done="Workflow cancelled" confirm={{ title: "Cancel this workflow?", body: "Every job of it that has not finished is cancelled.", yes: "Cancel workflow" }}>
                Cancel
              </Action>
            )}
          </PageHeader>
          <ErrorNote error={wf.error} />
          <Card title="Graph">
            <WorkflowGraph nodes={w.jobs.map((j: any) => ({ id: j.id, key: j.key, status: j.status, depends_on: j.depends_on }))} />
          </Card>
          <Card title="Jobs">
            <Table columns={["Key", "Job", "Status", "Depends on", { label: "Attempts", class: "num" }]}>
            {w.jobs.map((j: any) => (
              <tr key={j.id}>
                <td>{j.key ?? "—"}</td>
                <td>
                  <a href={href("jobs", j.id)}>
                    <Mono>{shortId(j.id)}</Mono>
                  </a>
                </td>
                <td>
                  <Status status={j.status} />
                </td>
                <td class="small">{j.depends_on.map((d: string) => w.jobs.find((x: any) => x.id === d)?.key ?? shortId(d)).join(", ") || "—"}</td>
                <td class="num">{j.attempt}</td>
              </tr>
            ))}
            </Table>
          </Card>
        </>
      )}
    </>
  );
}
