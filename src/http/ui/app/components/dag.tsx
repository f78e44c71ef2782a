import { statusInfo } from "./status";
import { Icon } from "./icons";
import { href } from "../lib/router";

export interface DagNode {
  id: string;
  key: string | null;
  status: string;
  depends_on: string[];
}

const NODE_W = 168;
const NODE_H = 44;
const GAP_X = 64;
const GAP_Y = 18;

/**
 * Layered drawing of a workflow: a node's column is the length of the longest dependency chain above it, and rows
 * within a column follow the mean row of the node's parents (fewer crossings). Each node shows its status icon
 * and name; its border and fill follow the status tone.
 */
export function layout(nodes: DagNode[]) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle cannot be created, but never loop on bad data
    visiting.add(id);
    const parents = byId.get(id)?.depends_on.filter((p) => byId.has(p)) ?? [];
    const d = parents.length ? Math.max(...parents.map(depthOf)) + 1 : 0;
    depth.set(id, d);
    return d;
  };
  nodes.forEach((n) => depthOf(n.id));
  const columns: DagNode[][] = [];
  for (const n of nodes) (columns[depth.get(n.id)!] ??= []).push(n);
  const row = new Map<string, number>();
  columns.forEach((col, c) => {
    if (c > 0) {
      const mean = (n: DagNode) => {
        const ps = n.depends_on.filter((p) => row.has(p)).map((p) => row.get(p)!);
        return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : 0;
      };
      col.sort((a, b) => mean(a) - mean(b));
    }
    col.forEach((n, i) => row.set(n.id, i));
  });
  const tallest = Math.max(1, ...columns.map((c) => c.length));
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => {
    const offset = ((tallest - col.length) * (NODE_H + GAP_Y)) / 2;
    col.forEach((n, i) => pos.set(n.id, { x: c * (NODE_W + GAP_X), y: offset + i * (NODE_H + GAP_Y) }));
  });
  return { pos, width: columns.length * (NODE_W + GAP_X) - GAP_X, height: tallest * (NODE_H + GAP_Y) - GAP_Y };
}

export function WorkflowGraph({ nodes }: { nodes: DagNode[] }) {
  const { pos, width, height } = layout(nodes);
  const pad = 8;
  return (
    <div class="dag-scroll">
      <svg class="dag" width={width + pad * 2} height={height + pad * 2} viewBox={`${-pad} ${-pad} ${width + pad * 2} ${height + pad * 2}`} role="img" aria-label="Workflow graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0 0L10 5L0 10z" class="dag-arrow" />
          </marker>
        </defs>
        {nodes.flatMap((n) =>
          n.depends_on
            .filter((p) => pos.has(p))
            .map((p) => {
              const a = pos.get(p)!;
              const b = pos.get(n.id)!;
              const x1 = a.x + NODE_W;
              const y1 = a.y + NODE_H / 2;
              const x2 = b.x - 2;
              const y2 = b.y + NODE_H / 2;
              const mid = (x1 + x2) / 2;
              return <path key={`${p}-${n.id}`} class="dag-edge" d={`M${x1} ${y1}C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}`} marker-end="url(#arrow)" />;
            }),
        )}
        {nodes.map((n) => {
          const p = pos.get(n.id)!;
          const s = statusInfo(n.status);
          const name = n.key ?? n.id.slice(0, 8);
          return (
            <a key={n.id} href={href("jobs", n.id)} class={`dag-node tone-${s.tone}`} data-status={n.status} data-testid="dag-node">
              <title>{`${name}: ${s.label}`}</title>
              <rect x={p.x} y={p.y} width={NODE_W} height={NODE_H} rx="9" />
              <g transform={`translate(${p.x + 10} ${p.y + 14})`}>
                <Icon name={s.icon} size={16} />
              </g>
              <text x={p.x + 34} y={p.y + 19} class="dag-name">
                {name.length > 17 ? `${name.slice(0, 16)}…` : name}
              </text>
              <text x={p.x + 34} y={p.y + 34} class="dag-status">
                {s.label}
              </text>
            </a>
          );
        })}
      </svg>
    </div>
  );
}
