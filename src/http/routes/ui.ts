import { Hono, type Context } from "hono";
import { gzipSync } from "bun";
import { uiBundle } from "../ui/bundle" with { type: "macro" };

/**
 * The operator web UI: one HTML page at / (and /ui redirecting to it) and its two assets, built into the binary
 * (see src/http/ui/bundle.ts). The UI is a plain client of the public REST API and the SSE stream; nothing here
 * reads data. Strict CSP: scripts, styles and connections from this origin only, nothing inline.
 */
const bundle = uiBundle();

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#4f6df5"/><path d="M9 16a7 7 0 0 1 14 0M12 16a4 4 0 0 1 8 0" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round"/><circle cx="16" cy="16" r="2.4" fill="#fff"/><path d="M16 18.4V25" stroke="#fff" stroke-width="2.6" stroke-linecap="round"/></svg>`;

const assetPath = (name: string) => `/ui/assets/${name}`;
const JS = `app-${bundle.hash}.js`;
const CSS = `app-${bundle.hash}.css`;

const INDEX = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark light">
<title>Spindle</title>
<link rel="icon" href="${assetPath("icon.svg")}" type="image/svg+xml">
<link rel="stylesheet" href="${assetPath(CSS)}">
<script type="module" src="${assetPath(JS)}"></script>
</head>
<body><div id="app"><noscript>The Spindle dashboard needs JavaScript.</noscript></div></body>
</html>
`;

interface Asset {
  type: string;
  raw: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
  immutable: boolean;
}
const asset = (type: string, text: string, immutable: boolean): Asset => {
  const raw = new TextEncoder().encode(text);
  return { type, raw, gzip: new Uint8Array(gzipSync(raw)), immutable };
};
const ASSETS = new Map<string, Asset>([
  [JS, asset("text/javascript; charset=utf-8", bundle.js, true)],
  [CSS, asset("text/css; charset=utf-8", bundle.css, true)],
  ["icon.svg", asset("image/svg+xml", ICON, false)],
]);
const PAGE = asset("text/html; charset=utf-8", INDEX, false);

function send(c: Context, a: Asset) {
  const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
  const headers: Record<string, string> = {
    "content-type": a.type,
    "cache-control": a.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    "content-security-policy": CSP,
    vary: "Accept-Encoding",
  };
  if (gzip) headers["content-encoding"] = "gzip";
  return c.body(gzip ? a.gzip : a.raw, 200, headers);
}

/** Sizes of what a browser downloads (bytes, raw and gzipped), for docs and tests. */
export const uiAssetSizes = () =>
  Object.fromEntries([...ASSETS, ["index.html", PAGE] as const].map(([name, a]) => [name, { bytes: a.raw.length, gzip: a.gzip.length }]));

export function uiRoutes() {
  const app = new Hono();
  app.get("/", (c) => send(c, PAGE));
  app.get("/ui", (c) => c.redirect("/", 302));
  app.get("/ui/", (c) => c.redirect("/", 302));
  app.get("/ui/assets/:name", (c) => {
    const a = ASSETS.get(c.req.param("name"));
    return a ? send(c, a) : c.json({ code: "NOT_FOUND", message: "No such UI asset" }, 404);
  });
  return app;
}
