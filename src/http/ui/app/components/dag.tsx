import { statusInfo } from "./status";
import { Icon } from "./icons";
import { href } from "../lib/router";

export interface DagNode {
  id: string;
  key: string | null;
  status: string;
  depends_on: string[];
}

const NODE_W = 160;
const NODE_H = 44;
const GAP_X = 36;
const GAP_Y = 18;

interface Slot {
  id: string;
  /** Parents in the previous column (real nodes, or the waypoint of a longer edge). */
  parents: string[];
}

/**
 * Layered drawing of a workflow: a node's column is the length of the longest dependency chain above it. An edge
 * that skips columns gets a waypoint in each column it crosses, which takes a row like a node does, so edges run
 * between nodes instead of through them. Rows within a column follow the mean row of the parents (fewer crossings).
 */
export function layout(nodes: DagNode[]) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // the server refuses cycles; never loop on bad data anyway
    visiting.add(id);
    const parents = byId.get(id)?.depends_on.filter((p) => byId.has(p)) ?? [];
    const d = parents.length ? Math.max(...parents.map(depthOf)) + 1 : 0;
    depth.set(id, d);
    return d;
  };
  nodes.forEach((n) => depthOf(n.id));

  const columns: Slot[][] = [];
  const slot = (col: number, s: Slot) => (columns[col] ??= []).push(s);
  /** Each edge as the list of slot ids it passes through, parent first. */
  const edges: { from: string; to: string; via: string[] }[] = [];
  for (const n of nodes) {
    const d = depth.get(n.id)!;
    const parents: string[] = [];
    for (const p of n.depends_on.filter((x) => byId.has(x))) {
      let prev = p;
      const via: string[] = [];
      for (let c = depth.get(p)! + 1; c < d; c++) {
        const waypoint = `${p}>${n.id}@${c}`;
        slot(c, { id: waypoint, parents: [prev] });
        via.push(waypoint);
        prev = waypoint;
      }
      parents.push(prev);
      edges.push({ from: p, to: n.id, via });
    }
    slot(d, { id: n.id, parents });
  }

  const row = new Map<string, number>();
  columns.forEach((col, c) => {
    if (c > 0) {
      const mean = (s: Slot) => {
        const rows = s.parents.filter((p) => row.has(p)).map((p) => row.get(p)!);
        return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : 0;
      };
      col.sort((a, b) => mean(a) - mean(b));
    }
    col.forEach((s, i) => row.set(s.id, i));
  });

  const tallest = Math.max(1, ...columns.map((c) => c.length));
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => {
    const offset = ((tallest - col.length) * (NODE_H + GAP_Y)) / 2;
    col.forEach((s, i) => pos.set(s.id, { x: c * (NODE_W + GAP_X), y: offset + i * (NODE_H + GAP_Y) }));
  });
  return { pos, edges, width: columns.length * (NODE_W + GAP_X) - GAP_X, height: tallest * (NODE_H + GAP_Y) - GAP_Y };
}

/** An edge as smooth S-curves between columns, straight across the columns it passes. */
function edgePath(points: { x: number; y: number; w: number }[]): string {
  let d = `M${points[0]!.x + points[0]!.w} ${points[0]!.y}`;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const x1 = a.x + a.w;
    const x2 = i === points.length - 1 ? b.x - 2 : b.x;
    const mid = (x1 + x2) / 2;
    d += `C${mid} ${a.y} ${mid} ${b.y} ${x2} ${b.y}`;
    if (i < points.length - 1) d += `L${b.x + b.w} ${b.y}`;
  }
  return d;
}

export function WorkflowGraph({ nodes }: { nodes: DagNode[] }) {
  const { pos, edges, width, height } = layout(nodes);
  const pad = 8;
  return (
    <div class="dag-scroll">
      <svg class="dag" width={width + pad * 2} height={height + pad * 2} viewBox={`${-pad} ${-pad} ${width + pad * 2} ${height + pad * 2}`} role="img" aria-label="Workflow graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0 0L10 5L0 10z" class="dag-arrow" />
          </marker>
        </defs>
        {edges.map((e) => {
          const at = (id: string, w: number) => ({ x: pos.get(id)!.x, y: pos.get(id)!.y + NODE_H / 2, w });
          const points = [at(e.from, NODE_W), ...e.via.map((v) => at(v, NODE_W)), at(e.to, 0)];
          return <path key={`${e.from}-${e.to}`} class="dag-edge" d={edgePath(points)} marker-end="url(#arrow)" />;
        })}
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
