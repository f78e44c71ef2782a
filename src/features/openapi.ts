import type { Feature } from "./feature";
import { openApiDocument } from "../http/openapi/document";
import { renderReferencePage } from "../http/openapi/reference-page";

// Only the page's own inline style: no script, nothing from elsewhere.
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** GET /api/v1/openapi.json (public, like the health routes) and its HTML rendering /ui/api-reference (docs/distribution.md). */
export const openApiFeature: Feature = {
  name: "openapi",
  build: () => ({
    routes: ({ root, publicApi }) => {
      publicApi.get("/openapi.json", (c) => c.json(openApiDocument()));
      let page: string | undefined;
      root.get("/ui/api-reference", (c) => c.html((page ??= renderReferencePage()), 200, { "content-security-policy": PAGE_CSP }));
    },
  }),
};
