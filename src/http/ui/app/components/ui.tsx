import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { useCell } from "../lib/cell";
import { clock, dateTime, json, relative } from "../lib/format";
import type { ApiError } from "../lib/api";
import type { LiveData } from "../lib/use-live";
import { Icon } from "./icons";
import { toast } from "./toast";

export function PageHeader({ title, subtitle, children }: { title: ComponentChildren; subtitle?: ComponentChildren; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p class="subtitle">{subtitle}</p>}
      </div>
      {children && <div class="actions">{children}</div>}
    </header>
  );
}

export function Card({ title, actions, children, class: cls }: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; class?: string }) {
  return (
    <section class={`card ${cls ?? ""}`}>
      {(title || actions) && (
        <div class="card-head">
          {title && <h2>{title}</h2>}
          {actions && <div class="actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}

/** What an empty list means and what to do about it. */
export function Empty({ icon, title, children }: { icon: string; title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <Icon name={icon} size={28} />
      <strong>{title}</strong>
      {children && <div class="empty-hint">{children}</div>}
    </div>
  );
}

export function ErrorNote({ error }: { error?: ApiError }) {
  if (!error) return null;
  return (
    <div class="error-note" role="alert">
      <Icon name="deadletter" size={15} /> {error.message}
    </div>
  );
}

export function Loading() {
  return <div class="loading">Loading…</div>;
}

/** A button running an API action: disabled while it runs, a toast with the outcome. */
export function Action({ run, done, children, kind = "default", confirm, title, testId }: {
  run: () => Promise<unknown>;
  done?: string;
  children: ComponentChildren;
  kind?: "default" | "primary" | "danger";
  confirm?: { title: string; body: ComponentChildren; yes: string };
  title?: string;
  testId?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  const go = async () => {
    setAsking(false);
    setBusy(true);
    try {
      await run();
      if (done) toast(done);
    } catch (err) {
      toast((err as Error).message, "bad");
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button class={`btn btn-${kind}`} disabled={busy} title={title} data-testid={testId} onClick={() => (confirm ? setAsking(true) : go())}>
        {children}
      </button>
      {asking && confirm && (
        <Dialog title={confirm.title} onClose={() => setAsking(false)}>
          <div class="dialog-body">{confirm.body}</div>
          <div class="dialog-actions">
            <button class="btn" onClick={() => setAsking(false)}>
              Keep
            </button>
            <button class={`btn btn-${kind === "default" ? "primary" : kind}`} onClick={go} data-testid="confirm-yes">
              {confirm.yes}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

/** A modal <dialog>: focus trapped and Escape handled by the browser. */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current!;
    d.showModal();
    const cancel = (e: Event) => {
      e.preventDefault();
      onClose();
    };
    d.addEventListener("cancel", cancel);
    return () => d.removeEventListener("cancel", cancel);
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </dialog>
  );
}

export function Time({ iso, zone }: { iso: string | null | undefined; zone?: string }) {
  const now = useCell(clock);
  if (!iso) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} title={dateTime(iso, zone)}>
      {relative(iso, now)}
    </time>
  );
}

export function JsonBlock({ value, empty = "none" }: { value: unknown; empty?: string }) {
  if (value === null || value === undefined) return <p class="muted">{empty}</p>;
  return <pre class="json">{json(value)}</pre>;
}

export function Stat({ label, value, hint, tone, href }: { label: string; value: ComponentChildren; hint?: ComponentChildren; tone?: string; href?: string }) {
  const body = (
    <>
      <span class="stat-label">{label}</span>
      <span class={`stat-value ${tone ? `tone-text-${tone}` : ""}`}>{value}</span>
      {hint && <span class="stat-hint">{hint}</span>}
    </>
  );
  return href ? (
    <a class="stat" href={href}>
      {body}
    </a>
  ) : (
    <div class="stat">{body}</div>
  );
}

/** Previous / next for offset lists; the API returns pages without a total, so one extra row tells if there is more. */
export function Pager({ offset, size, shown, hasMore, onPage }: { offset: number; size: number; shown: number; hasMore: boolean; onPage: (offset: number) => void }) {
  return (
    <div class="pager">
      <span class="muted">{shown ? `${offset + 1}–${offset + shown}` : "0"} shown</span>
      <button class="btn" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - size))}>
        Newer
      </button>
      <button class="btn" disabled={!hasMore} onClick={() => onPage(offset + size)}>
        Older
      </button>
    </div>
  );
}

export function Mono({ children, title }: { children: ComponentChildren; title?: string }) {
  return (
    <code class="mono" title={title}>
      {children}
    </code>
  );
}

export type Column = string | { label: string; class?: string };

/** A table that scrolls sideways on its own when it is wider than the screen. */
export function Table({ columns, testId, children }: { columns: Column[]; testId?: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap">
      <table data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c, i) => (typeof c === "string" ? <th key={i}>{c}</th> : <th key={i} class={c.class}>{c.label}</th>))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** The states of every list: its error, still loading, empty (saying what to do next), or its rows. */
export function Listing<T>({ live, empty, children }: { live: LiveData<T[]>; empty: ComponentChildren; children: (rows: T[]) => ComponentChildren }) {
  return (
    <>
      <ErrorNote error={live.error} />
      {!live.data ? <Loading /> : live.data.length === 0 ? empty : children(live.data)}
    </>
  );
}
