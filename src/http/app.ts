import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Engine } from "../engine/context";
import { requireAuth, type AppEnv } from "./auth";
import { renderError } from "./errors";
import { healthRoutes } from "./routes/health";
import { jobRoutes } from "./routes/jobs";
import { queueRoutes } from "./routes/queues";
import { publicOrganizationRoutes } from "./routes/organizations";
import { workerRoutes } from "./routes/workers";
import { methodNotAllowed } from "./method-not-allowed";

export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * Where features mount their routes: `publicApi` (no credential), `api` (authenticated), `root` (outside /api/v1).
 * Each feature adds one function here instead of editing the app.
 */
export interface RouteMounts {
  root: Hono<AppEnv>;
  publicApi: Hono<AppEnv>;
  api: Hono<AppEnv>;
}
export type RouteFeature = (mounts: RouteMounts, engine: Engine) => void;

export function buildApp(engine: Engine, features: RouteFeature[] = [], middleware: MiddlewareHandler<AppEnv>[] = []): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

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
  api.use("*", requireAuth(engine));
  api.route("/jobs", jobRoutes(engine));
  api.route("/queues", queueRoutes(engine));
  api.route("/workers", workerRoutes(engine));

  for (const feature of features) feature({ root: app, publicApi, api }, engine);

  app.route("/api/v1", publicApi);
  app.route("/api/v1", api);
  return app;
}
