import { ROUTES, type RouteDoc } from "./routes";
import { openApiPath } from "./document";

/**
 * GET /ui/api-reference: the route table as one static HTML page (no script), linking the machine-readable
 * document. A full interactive renderer would add a large dependency for little; this page is rendered once.
 */
const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const AUTH_TEXT: Record<RouteDoc["auth"], string> = {
  key: "API key / JWT",
  public: "none",
  admin: "X-Admin-Key",
  webhook: "webhook token or signature",
  metrics: "metrics token if set",
};

function row(route: RouteDoc): string {
  const body = route.body ? `<code>${escape(route.body.name)}</code>` : "";
  const answer = route.ok.body ? `${route.ok.status} <code>${escape(route.ok.body.name)}${route.ok.array ? "[]" : ""}</code>` : String(route.ok.status);
  return `<tr><td class="m">${route.method.toUpperCase()}</td><td><code>${escape(openApiPath(route.path))}</code></td><td>${escape(route.summary)}</td><td>${AUTH_TEXT[route.auth]}</td><td>${body}</td><td>${answer}</td></tr>`;
}

export function renderReferencePage(routes: RouteDoc[] = ROUTES): string {
  const tags = [...new Set(routes.map((r) => r.tag))];
  const sections = tags
    .map((tag) => `<h2 id="${escape(tag.replace(/\s/g, "-"))}">${escape(tag)}</h2><table><thead><tr><th>method</th><th>path</th><th>what</th><th>credential</th><th>body</th><th>answer</th></tr></thead><tbody>${routes.filter((r) => r.tag === tag).map(row).join("")}</tbody></table>`)
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Spindle REST API</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:80rem;padding:0 1rem;color:#1b1f24}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}.m{font-weight:600}code{font-size:13px}@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}td,th{border-color:#30363d}a{color:#6cb6ff}}</style></head>
<body><h1>Spindle REST API</h1><p>The machine-readable document: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1). Every error answers <code>{"code", "message", "details"?}</code>; schemas are under <code>components.schemas</code>. Back to the <a href="/">dashboard</a>.</p>
<nav>${tags.map((t) => `<a href="#${escape(t.replace(/\s/g, "-"))}">${escape(t)}</a>`).join(" · ")}</nav>
${sections}</body></html>`;
}
