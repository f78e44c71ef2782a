import { loadConfig } from "../../src/config";
import { startServer, type RunningServer, type Feature } from "../../src/server";
import { FEATURES } from "../../src/features";
import { freshDatabase, type DbKind } from "./databases";

export interface TestServer extends RunningServer {
  kind: DbKind;
  /** URL of this server's own PostgreSQL database (postgres kind only). */
  databaseUrl?: string;
  /** Creates an organization through the public API and returns a client authenticated with its key. */
  newOrg(slug?: string): Promise<{ orgId: string; key: string; client: Client }>;
  client(key?: string): Client;
}

/** Starts the real server (real HTTP listener on a free port) on a fresh database of the given kind. */
export async function startTestServer(kind: DbKind, env: Record<string, string> = {}, features: readonly Feature[] = FEATURES): Promise<TestServer> {
  const { db, url: databaseUrl, dispose } = await freshDatabase(kind);
  // Plan caps are reported but not enforced unless a test asks (SPINDLE_QUOTAS: "on"), as on a default server.
  // Production mode needs a JWT secret.
  const production = env.SPINDLE_ENV === "production" || env.RUST_ENV === "production";
  const defaults = production ? { JWT_SECRET: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex") } : {};
  const config = loadConfig({ HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_QUIET: "true", SPINDLE_REAPER_INTERVAL_MS: "200", ...defaults, ...env });
  const server = await startServer(config, { db, features }).catch(async (err) => {
    await dispose(); // a server that never started must not leave its database behind
    throw err;
  });
  let orgCounter = 0;
  const client = (key?: string) => new Client(server.url, key);
  return {
    ...server,
    kind,
    databaseUrl,
    client,
    async newOrg(slug?: string) {
      slug ??= `org-${Date.now().toString(36)}-${++orgCounter}-${Math.random().toString(36).slice(2, 6)}`;
      const r = await client().post("/api/v1/organizations", { name: `Org ${slug}`, slug });
      if (r.status !== 201) throw new Error(`org create failed: ${r.status} ${JSON.stringify(r.body)}`);
      return { orgId: r.body.organization.id, key: r.body.api_key.key, client: client(r.body.api_key.key) };
    },
    async stop() {
      await server.stop();
      await dispose();
    },
  };
}

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

/** A plain fetch client, the way any HTTP user talks to Spindle. */
export class Client {
  constructor(readonly baseUrl: string, readonly key?: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        ...(this.key ? { authorization: `Bearer ${this.key}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body: parsed, headers: res.headers };
  }
  get = (path: string, headers?: Record<string, string>) => this.request("GET", path, undefined, headers);
  post = (path: string, body?: unknown, headers?: Record<string, string>) => this.request("POST", path, body, headers);
  put = (path: string, body?: unknown, headers?: Record<string, string>) => this.request("PUT", path, body, headers);
  patch = (path: string, body?: unknown, headers?: Record<string, string>) => this.request("PATCH", path, body, headers);
  delete = (path: string, headers?: Record<string, string>) => this.request("DELETE", path, undefined, headers);
}
