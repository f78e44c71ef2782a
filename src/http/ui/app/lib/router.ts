import { Cell, useCell } from "./cell";

/** Hash routes (#/jobs/abc?status=failed): the server serves one page, and a reload keeps the view and filters. */
export interface Route {
  parts: string[];
  query: URLSearchParams;
}

function parse(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "");
  const [path = "", query = ""] = raw.split("?", 2);
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

const current = new Cell<Route>(parse(location.hash));
window.addEventListener("hashchange", () => current.set(parse(location.hash)));

export const useRoute = () => useCell(current);

/** A link target: href("jobs", id) or href("jobs", { status: "failed" }). */
export function href(...parts: (string | Record<string, string | undefined>)[]): string {
  const query = parts.length && typeof parts[parts.length - 1] === "object" ? (parts.pop() as Record<string, string | undefined>) : {};
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const qs = q.toString();
  return `#/${(parts as string[]).map(encodeURIComponent).join("/")}${qs ? `?${qs}` : ""}`;
}

export function navigate(to: string): void {
  location.hash = to.replace(/^#/, "");
}
