import { useState } from "preact/hooks";
import { get, post, enc } from "../lib/api";
import { useLive } from "../lib/use-live";
import { Action, Card, Empty, Mono, PageHeader, Time, Table, Listing } from "../components/ui";
import { Status } from "../components/status";

const isDeliveryEvent = (e: { type: string }) => /^(delivery|webhook)\./.test(e.type) || e.type === "JobStatusChange";

export function Webhooks() {
  const hooks = useLive(() => get<any[]>("/outgoing-webhooks"), [], { match: isDeliveryEvent, settleMs: 1000 });
  const breakers = useLive(() => get<any[]>("/delivery-breakers").catch(() => []), [], { match: (e) => e.type === "delivery.circuit_changed", pollMs: 5000 });
  const [selected, setSelected] = useState<string>();
  const current = hooks.data?.find((h) => h.id === selected) ?? hooks.data?.[0];

  return (
    <>
      <PageHeader title="Outgoing webhooks" subtitle="Endpoints notified of your jobs' events, their deliveries, and the circuit breaker of each destination host." />
      <Card title="Endpoints">
        <Listing live={hooks} empty={
          <Empty icon="webhooks" title="No webhook endpoints">
          Add one with <code>POST /api/v1/outgoing-webhooks</code>: a <code>url</code> and the <code>events</code> to send (such as <code>job.completed</code>).
        </Empty>
        }>
          {(rows) => (
          <Table columns={["Name", "URL", "State", { label: "Events", class: "hide-sm" }, { label: "Failures", class: "num" }, "Last sent", ""]} testId="webhooks-table">
          {rows.map((h) => (
            <tr key={h.id} class={current?.id === h.id ? "selected" : ""}>
              <td>
                <button class="link" onClick={() => setSelected(h.id)} aria-pressed={current?.id === h.id}>
                  {h.name}
                </button>
              </td>
              <td class="wrap">
                <Mono>{h.url}</Mono>
              </td>
              <td>
                <Status status={h.enabled ? "enabled" : "disabled"} />
              </td>
              <td class="hide-sm small">{h.events.join(", ")}</td>
              <td class={`num ${h.failure_count ? "tone-text-bad" : ""}`}>{h.failure_count}</td>
              <td>
                <Time iso={h.last_triggered_at} />
                {h.last_status && <span class="muted small"> · {h.last_status}</span>}
              </td>
              <td class="row-actions">
                <Action run={() => post(`/outgoing-webhooks/${enc(h.id)}/test`).then(hooks.reload)} done="Test event sent">
                  Send test
                </Action>
              </td>
            </tr>
          ))}
          </Table>
          )}
        </Listing>
      </Card>
      <Card title="Destination hosts (circuit breakers)">
        <Listing live={breakers} empty={
          <Empty icon="completed" title="No destination has been called yet on this node">
          Each host gets a breaker on its first delivery. It opens after repeated failures and lets one probe through after its cooldown.
        </Empty>
        }>
          {(rows) => (
          <Table columns={["Host", "Breaker", { label: "Consecutive failures", class: "num" }, { label: "In flight", class: "num" }, "Retry at"]} testId="breakers-table">
          {rows.map((b) => (
            <tr key={b.host}>
              <td>
                <Mono>{b.host}</Mono>
              </td>
              <td>
                <Status status={b.state} />
              </td>
              <td class="num">{b.consecutive_failures}</td>
              <td class="num">
                {b.in_flight} / {b.concurrency_limit}
              </td>
              <td>
                <Time iso={b.retry_at} />
              </td>
            </tr>
          ))}
          </Table>
          )}
        </Listing>
      </Card>
      {current && <Deliveries hook={current} />}
    </>
  );
}

function Deliveries({ hook }: { hook: any }) {
  const list = useLive(() => get<any[]>(`/outgoing-webhooks/${enc(hook.id)}/deliveries`), [hook.id], { match: isDeliveryEvent, settleMs: 1000 });
  return (
    <Card title={`Deliveries to ${hook.name}`}>
      <Listing live={list} empty={
        <Empty icon="webhooks" title="Nothing delivered yet">
        Deliveries appear when one of the subscribed events happens. “Send test” sends one now.
      </Empty>
      }>
        {(rows) => (
        <Table columns={["Event", "Status", { label: "HTTP", class: "num" }, { label: "Attempts", class: "num" }, "Created", { label: "Error", class: "hide-sm" }, ""]}>
        {rows.map((d) => (
          <tr key={d.id}>
            <td>{d.event}</td>
            <td>
              <Status status={d.status} />
            </td>
            <td class={`num ${d.status_code >= 400 ? "tone-text-bad" : ""}`}>{d.status_code ?? "—"}</td>
            <td class="num">{d.attempts}</td>
            <td>
              <Time iso={d.created_at} />
            </td>
            <td class="hide-sm wrap small">{d.error ?? "—"}</td>
            <td class="row-actions">
              {d.status === "failed" && (
                <Action run={() => post(`/outgoing-webhooks/${enc(hook.id)}/deliveries/${enc(d.id)}/retry`).then(list.reload)} done="Delivery queued again">
                  Retry
                </Action>
              )}
            </td>
          </tr>
        ))}
        </Table>
        )}
      </Listing>
    </Card>
  );
}
