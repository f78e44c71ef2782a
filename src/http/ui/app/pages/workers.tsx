import { get } from "../lib/api";
import { isWorkerEvent } from "../lib/live";
import { useLive } from "../lib/use-live";
import { Card, Empty, Mono, PageHeader, Time, Table, Listing } from "../components/ui";
import { Status } from "../components/status";

export function Workers() {
  const list = useLive(() => get<any[]>("/workers"), [], { match: isWorkerEvent, settleMs: 500, pollMs: 5000 });
  const rows = list.data ?? [];
  const online = rows.filter((w) => w.status !== "offline").length;

  return (
    <>
      <PageHeader title="Workers" subtitle={list.data ? `${online} online of ${rows.length} registered. A worker silent for 15 s is degraded, for 30 s offline.` : undefined} />
      <Card>
        <Listing
          live={list}
          empty={
            <Empty icon="workers" title="No workers have registered">
              Workers appear here when they call <code>POST /api/v1/workers/register</code> (the SDKs do it for you), or claim over gRPC.
            </Empty>
          }
        >
          {(rows) => (
          <Table columns={["Worker", "Status", "Queue", { label: "Host", class: "hide-sm" }, "Current jobs", "Last heartbeat"]} testId="workers-table">
          {rows.map((w) => (
            <tr key={w.id}>
              <td>
                <Mono>{w.id}</Mono>
              </td>
              <td>
                <Status status={w.status} />
              </td>
              <td>{w.queue_name}</td>
              <td class="hide-sm">{w.hostname}</td>
              <td>
                <span class="meter" title={`${w.current_jobs} of ${w.max_concurrency}`}>
                  <meter min={0} max={Math.max(1, w.max_concurrency)} value={w.current_jobs} />
                  <span>
                    {w.current_jobs} / {w.max_concurrency}
                  </span>
                </span>
              </td>
              <td>
                <Time iso={w.last_heartbeat} />
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
