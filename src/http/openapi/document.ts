import { z } from "zod";
import { VERSION } from "../../version";
import { errorBody } from "./responses";
import { ROUTES, type Named, type RouteDoc } from "./routes";

/**
 * The OpenAPI 3.1 document, generated from the route table with zod 4's own JSON Schema output (draft 2020-12,
 * which is what OpenAPI 3.1 uses): request bodies in "input" form (what a client sends, before transforms),
 * responses in "output" form. Built once per process.
 */

type Json = Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const ERROR_STATUS_TEXT: Record<number, string> = {
  400: "Invalid input; details name the fields",
  401: "Missing or invalid credential",
  403: "The credential may not do this",
  404: "No such resource",
  405: "The path is served, but not with this method (Allow lists those it takes)",
  409: "Conflicts with the resource's state",
  413: "Body too large",
  429: "Rate limit or plan quota reached (Retry-After)",
  500: "Internal error",
  501: "Not available on a self-hosted server",
  503: "Database unavailable (Retry-After) or not ready",
};

/** `/api/v1/jobs/:id` → `/api/v1/jobs/{id}`. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
const pathParams = (honoPath: string) => [...honoPath.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);

/** getJobsById, postQueuesByNamePause: stable, unique per method and path, readable in generated clients. */
function operationId(route: RouteDoc): string {
  const words = route.path
    .replace(/^\/api\/v1/, "")
    .split(/[/.\-]/)
    .filter(Boolean)
    .map((part) => (part.startsWith(":") ? `By${part.slice(1)}` : part))
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  return route.method + words.join("");
}

/** The error statuses every route of its kind can answer, plus the route's own. */
function errorStatuses(route: RouteDoc): number[] {
  const statuses = new Set(route.errors ?? []);
  if (route.body) [400, 413].forEach((s) => statuses.add(s));
  if (route.path.startsWith("/api/v1")) statuses.add(400); // an unsupported X-API-Version
  if (route.auth === "key") [401, 403, 429].forEach((s) => statuses.add(s));
  if (route.auth === "admin") [401, 403].forEach((s) => statuses.add(s));
  if (pathParams(route.path).length) statuses.add(404);
  [500, 503].forEach((s) => statuses.add(s));
  statuses.delete(route.ok.status);
  return [...statuses].sort();
}

const SECURITY: Record<RouteDoc["auth"], Json[]> = {
  key: [{ bearer: [] }],
  admin: [{ adminKey: [] }],
  webhook: [{ webhookToken: [] }, {}],
  metrics: [{ metricsToken: [] }, {}],
  public: [],
};

/** Converts every named schema of one direction into components, with $refs between registered names. */
function components(named: Named[], io: "input" | "output"): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  const seen = new Map<string, z.ZodType>();
  for (const { name, schema } of named) {
    const earlier = seen.get(name);
    if (earlier && earlier !== schema) throw new Error(`OpenAPI: two different schemas are named ${name}`);
    if (!earlier) registry.add(schema, { id: name });
    seen.set(name, schema);
  }
  // Refinements (size, depth, NUL checks) cannot be written in JSON Schema: "any" keeps the plain type.
  const { schemas } = z.toJSONSchema(registry, { io, unrepresentable: "any", uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Json> };
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id; // zod sets it to the $ref target; 2020-12 forbids a fragment in $id
    dropDateTimePatterns(schema);
  }
  return schemas;
}

/** zod spells out `format: date-time` as a long regex too; the format alone says it and keeps the document small. */
function dropDateTimePatterns(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(dropDateTimePatterns);
  if (node === null || typeof node !== "object") return;
  const o = node as Json;
  if (o.format === "date-time") delete o.pattern;
  Object.values(o).forEach(dropDateTimePatterns);
}

function operation(route: RouteDoc): Json {
  const parameters = [
    ...pathParams(route.path).map((name) => ({ name, in: "path", required: true, schema: { type: "string" } })),
    ...Object.entries(route.query ?? {}).map(([name, description]) => ({
      name,
      in: "query",
      required: description.includes("(required)"),
      description,
      schema: { type: "string" },
    })),
  ];
  const okBody = route.ok.body ? (route.ok.array ? { type: "array", items: ref(route.ok.body.name) } : ref(route.ok.body.name)) : undefined;
  const responses: Json = {
    [route.ok.status]: {
      description: route.ok.description ?? (route.ok.status === 204 ? "Done; no body" : "Success"),
      ...(okBody ? { content: { [route.ok.mediaType ?? "application/json"]: { schema: okBody } } } : route.ok.mediaType ? { content: { [route.ok.mediaType]: {} } } : {}),
    },
  };
  for (const status of errorStatuses(route)) responses[status] = { $ref: `#/components/responses/Error${status}` };
  return {
    operationId: operationId(route),
    tags: [route.tag],
    summary: route.summary,
    security: SECURITY[route.auth],
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            // A body every field of which is optional may be left out (an empty body reads as {}).
            required: !route.body.schema.safeParse({}).success,
            content: { "application/json": { schema: ref(route.body.name) } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: RouteDoc[] = ROUTES): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = (paths[openApiPath(route.path)] ??= {});
    if (path[route.method]) throw new Error(`OpenAPI: ${route.method.toUpperCase()} ${route.path} is in the route table twice`);
    path[route.method] = operation(route);
  }
  const requests = components(routes.flatMap((r) => (r.body ? [r.body] : [])), "input");
  const responses = components([{ name: "Error", schema: errorBody }, ...routes.flatMap((r) => (r.ok.body ? [r.ok.body] : []))], "output");
  for (const name of Object.keys(requests)) if (responses[name]) throw new Error(`OpenAPI: ${name} names a request and a response`);
  const errorResponses = Object.fromEntries(
    Object.entries(ERROR_STATUS_TEXT).map(([status, description]) => [`Error${status}`, { description, content: { "application/json": { schema: ref("Error") } } }]),
  );
  return {
    openapi: "3.1.0",
    info: {
      title: "Spindle",
      version: VERSION,
      description:
        "Webhook queue and background-job server, wire-compatible with Spooled. Errors share one body: see the Error schema. " +
        "Any served path called with a method it does not take answers 405 with an Allow header (components.responses.Error405).",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: "/" }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...requests, ...responses },
      responses: errorResponses,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API key (sk_live_… / sk_test_…) or a JWT from POST /api/v1/auth/login" },
        adminKey: { type: "apiKey", in: "header", name: "X-Admin-Key", description: "ADMIN_API_KEY" },
        webhookToken: { type: "apiKey", in: "header", name: "X-Webhook-Token", description: "the organization's inbound webhook token (GitHub and Stripe: their signatures)" },
        metricsToken: { type: "http", scheme: "bearer", description: "METRICS_TOKEN, when one is set" },
      },
    },
  };
}

let cached: Json | undefined;
/** The document for this process's route table (the table never changes while running). */
export const openApiDocument = () => (cached ??= buildOpenApiDocument());
