import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Engine } from "../engine/context";
import { RequestAuth, type AppEnv, type PrincipalGuard } from "./auth";
import { renderError } from "./errors";
import { healthRoutes } from "./routes/health";
import { jobRoutes } from "./routes/jobs";
import { queueRoutes } from "./routes/queues";
import { publicOrganizationRoutes } from "./routes/organizations";
import { workerRoutes } from "./routes/workers";
import { methodNotAllowed } from "./method-not-allowed";

export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * Where features mount their routes: `publicApi` (no credential), `api` (authenticated), `root` (outside /api/v1),
 * and the app's authentication for routes that check credentials themselves (query tokens on streams).
 */
export interface RouteMounts {
  root: Hono<AppEnv>;
  publicApi: Hono<AppEnv>;
  api: Hono<AppEnv>;
  auth: RequestAuth;
}
export type MountRoutes = (mounts: RouteMounts) => void;

/** What the features bring to the HTTP app, in feature order. */
export interface AppParts {
  routes?: MountRoutes[];
  /** Run before every route (CORS, security headers, request metrics). */
  middleware?: MiddlewareHandler<AppEnv>[];
  /** Run on every authenticated request once the principal is known (rate limits). */
  guards?: PrincipalGuard[];
}

export function buildApp(engine: Engine, parts: AppParts = {}): Hono<AppEnv> {
  const { routes = [], middleware = [], guards = [] } = parts;
  const app = new Hono<AppEnv>();
  const auth = new RequestAuth(engine, guards);

  app.use("*", async (c, next) => {
    const requestId = c.req.header("x-request-id")?.slice(0, 200) || crypto.randomUUID();
    c.set("requestId", requestId);
    c.header("X-Request-ID", requestId);
    const version = c.req.header("x-api-version");
    if (c.req.path.startsWith("/api/v1")) {
      c.header("X-API-Version", "1");
      if (version !== undefined && version.trim() !== "1") {
        return c.json({ code: "BAD_REQUEST", message: "Unsupported X-API-Version (only 1 is supported)" }, 400);
      }
    }
    await next();
  });
  for (const m of middleware) app.use("*", m);
  app.use("*", methodNotAllowed(app));
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ code: "PAYLOAD_TOO_LARGE", message: `Request body exceeds ${MAX_BODY_BYTES} bytes` }, 413),
    }),
  );
  app.onError(renderError);
  app.notFound((c) => c.json({ code: "NOT_FOUND", message: "Route not found" }, 404));

  app.route("/", healthRoutes(engine));

  const publicApi = new Hono<AppEnv>();
  publicApi.route("/organizations", publicOrganizationRoutes(engine));

  const api = new Hono<AppEnv>();
  api.use("*", auth.require());
  api.route("/jobs", jobRoutes(engine));
  api.route("/queues", queueRoutes(engine));
  api.route("/workers", workerRoutes(engine));

  for (const mount of routes) mount({ root: app, publicApi, api, auth });

  app.route("/api/v1", publicApi);
  app.route("/api/v1", api);
  return app;
}
