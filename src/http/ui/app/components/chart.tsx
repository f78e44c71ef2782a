import { shortTime } from "../lib/format";

export interface MinutePoint {
  minute: string;
  enqueued: number;
  completed: number;
  failed: number;
}

const SERIES = [
  { key: "enqueued", label: "Enqueued", cls: "series-enqueued" },
  { key: "completed", label: "Completed", cls: "series-completed" },
  { key: "failed", label: "Failed attempts", cls: "series-failed" },
] as const;

/** Jobs per minute as three lines; each series also differs by dash pattern, so it reads without colour. */
export function ThroughputChart({ points }: { points: MinutePoint[] }) {
  const W = 640;
  const H = 180;
  const pad = { l: 36, r: 8, t: 10, b: 22 };
  const max = Math.max(4, ...points.flatMap((p) => [p.enqueued, p.completed, p.failed]));
  const top = niceCeil(max);
  const x = (i: number) => pad.l + (i / Math.max(1, points.length - 1)) * (W - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - v / top) * (H - pad.t - pad.b);
  const line = (key: (typeof SERIES)[number]["key"]) => points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)} ${y(p[key]).toFixed(1)}`).join("");
  const ticks = [0, top / 2, top];
  const labels = points.length ? [0, Math.floor((points.length - 1) / 2), points.length - 1] : [];
  const total = (k: (typeof SERIES)[number]["key"]) => points.reduce((s, p) => s + p[k], 0);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Jobs per minute over the last ${points.length} minutes`}>
        {ticks.map((t) => (
          <g key={t}>
            <line class="grid" x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} />
            <text class="axis" x={pad.l - 6} y={y(t) + 4} text-anchor="end">
              {Math.round(t)}
            </text>
          </g>
        ))}
        {labels.map((i) => (
          <text key={i} class="axis" x={x(i)} y={H - 6} text-anchor={i === 0 ? "start" : i === points.length - 1 ? "end" : "middle"}>
            {shortTime(points[i]!.minute)}
          </text>
        ))}
        <path class="area-enqueued" d={`${line("enqueued")}L${x(points.length - 1)} ${y(0)}L${x(0)} ${y(0)}Z`} />
        {SERIES.map((s) => (
          <path key={s.key} class={`series ${s.cls}`} d={line(s.key)} />
        ))}
      </svg>
      <figcaption class="legend">
        {SERIES.map((s) => (
          <span key={s.key} class="legend-item">
            <svg width="22" height="8" aria-hidden="true">
              <line class={`series ${s.cls}`} x1="1" x2="21" y1="4" y2="4" />
            </svg>
            {s.label} <strong>{total(s.key).toLocaleString()}</strong>
          </span>
        ))}
        <span class="muted">per minute, last {points.length} min</span>
      </figcaption>
    </figure>
  );
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** One horizontal bar split by status, with a labelled legend (counts and names, not only colours). */
export function StatusBar({ counts, order, hrefOf }: { counts: Record<string, number>; order: readonly string[]; hrefOf: (s: string) => string }) {
  const total = order.reduce((s, k) => s + (counts[k] ?? 0), 0);
  return (
    <div class="status-bar-wrap">
      <div class="status-bar" role="img" aria-label="Jobs by status">
        {total > 0 &&
          order.map((k) =>
            counts[k] ? <span key={k} class={`seg seg-${k}`} style={{ flexGrow: counts[k] }} title={`${k}: ${counts[k]}`} /> : null,
          )}
      </div>
      <ul class="status-legend">
        {order.map((k) => (
          <li key={k}>
            <a href={hrefOf(k)} data-testid={`count-${k}`}>
              <span class={`swatch seg-${k}`} aria-hidden="true" />
              <span class="legend-name">{k === "deadletter" ? "dead letter" : k}</span>
              <strong>{(counts[k] ?? 0).toLocaleString()}</strong>
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
