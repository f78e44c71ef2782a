import { Cell, useCell } from "../lib/cell";

interface Toast {
  id: number;
  kind: "ok" | "bad";
  text: string;
}
const toasts = new Cell<Toast[]>([]);
let next = 1;

export function toast(text: string, kind: Toast["kind"] = "ok"): void {
  const t = { id: next++, kind, text };
  toasts.set([...toasts.get(), t].slice(-4));
  setTimeout(() => toasts.set(toasts.get().filter((x) => x.id !== t.id)), kind === "bad" ? 8000 : 4000);
}

export function Toasts() {
  const list = useCell(toasts);
  return (
    <div class="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`toast tone-${t.kind}`}>
          {t.text}
        </div>
      ))}
    </div>
  );
}
