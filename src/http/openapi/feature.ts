import type { Feature } from "../../server";
import { openApiDocument } from "./document";
import { renderReferencePage } from "./reference-page";

// Only the page's own inline style: no script, nothing from elsewhere.
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** GET /api/v1/openapi.json (public, like the contract's health routes) and its HTML rendering /ui/api-reference. */
export const openApiFeature: Feature = {
  name: "openapi",
  routes: ({ root, publicApi }) => {
    publicApi.get("/openapi.json", (c) => c.json(openApiDocument()));
    let page: string | undefined;
    root.get("/ui/api-reference", (c) => c.html((page ??= renderReferencePage()), 200, { "content-security-policy": PAGE_CSP }));
  },
};
