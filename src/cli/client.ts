import { exitCodeForStatus, EXIT } from "./exit-codes";

/** A failure that ends the command with an exit code and one line on stderr. */
export class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export interface Connection {
  url: string;
  apiKey?: string;
  adminKey?: string;
}

const TIMEOUT_MS = 30_000;

/** One REST call; any non-2xx answer becomes a CliFailure carrying the server's error body. */
export async function call(conn: Connection, method: string, path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json", "user-agent": "spindle-cli" };
  if (conn.apiKey) headers.authorization = `Bearer ${conn.apiKey}`;
  if (conn.adminKey) headers["x-admin-key"] = conn.adminKey;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(new URL(path, conn.url.endsWith("/") ? conn.url : `${conn.url}/`), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err: any) {
    throw new CliFailure(EXIT.unreachable, `cannot reach ${conn.url}: ${err?.message ?? err}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  if (res.ok) return parsed;
  const e = parsed as { code?: string; message?: string } | null;
  const what = e && typeof e === "object" && e.message ? `${e.code ?? res.status}: ${e.message}` : `HTTP ${res.status}`;
  throw new CliFailure(exitCodeForStatus(res.status), `${method} ${path} failed (${res.status}) ${what}`, parsed);
}
