import type { Feature } from "./feature";
import { uiRoutes } from "../http/routes/ui";

/** The operator web UI at / (docs/dashboard.md): static assets only; it talks to the public API like any client. */
export const webUiFeature: Feature = {
  name: "web-ui",
  build: () => ({
    routes: ({ root }) => {
      root.route("/", uiRoutes());
    },
  }),
};
