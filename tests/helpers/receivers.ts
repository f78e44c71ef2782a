/** Real HTTP receivers on 127.0.0.1 (port 0) that record what arrives and answer as a test scripts them. */

export interface Received {
  n: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export type Responder = (req: Received) => Response | Promise<Response>;

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight: number;
  maxInFlight: number;
  /** Resolves once `count` requests matching `pred` have arrived. */
  waitFor(count: number, pred?: (r: Received) => boolean, timeoutMs?: number): Promise<Received[]>;
  stop(): void;
}

export function startReceiver(respond: Responder = () => new Response("ok")): Receiver {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const r: Receiver = {
    url: "",
    port: 0,
    received,
    inFlight: 0,
    maxInFlight: 0,
    waitFor(count, pred = () => true, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hits = received.filter(pred);
          if (hits.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hits);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: ${received.filter(pred).length}/${count} requests after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const headers: Record<string, string> = {};
      req.headers.forEach((v, k) => (headers[k] = v));
      const entry: Received = { n: received.length + 1, method: req.method, path: new URL(req.url).pathname, headers, body: await req.text(), at: Date.now() };
      received.push(entry);
      for (const w of [...waiters]) w();
      r.inFlight++;
      r.maxInFlight = Math.max(r.maxInFlight, r.inFlight);
      try {
        return await respond(entry);
      } finally {
        r.inFlight--;
      }
    },
  });
  r.port = server.port!;
  r.url = `http://127.0.0.1:${server.port}`;
  return r;
}

/** A port on which nothing listens (connection refused). */
export function deadPort(): number {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

/**
 * Standard Webhooks verification written independently of Spindle's signer (WebCrypto, not node:crypto):
 * true when any `v1,` entry of the header is the HMAC-SHA256 of `id.timestamp.body` under the secret.
 */
export async function verifyStandardWebhook(secret: string, headers: Record<string, string>, body: string): Promise<boolean> {
  const keyBytes = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (ch) => ch.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`)));
  const expected = btoa(String.fromCharCode(...mac));
  return (headers["webhook-signature"] ?? "").split(" ").some((entry) => entry === `v1,${expected}`);
}

/** Spooled's `X-Spooled-Signature: sha256=<hex>` over `timestamp.body`, verified with WebCrypto. */
export async function verifySpooledSignature(secret: string, headers: Record<string, string>, body: string): Promise<boolean> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${headers["x-spooled-timestamp"]}.${body}`)));
  const hex = [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
  return headers["x-spooled-signature"] === `sha256=${hex}`;
}

/** Polls `read` until `done` holds (for states only visible through the API). */
export async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(v)?.slice(0, 500)}`);
    await Bun.sleep(50);
  }
}

/** Receivers started by one test file, stopped together in afterAll. */
export function receiverPool() {
  const started: Receiver[] = [];
  return {
    start(respond?: Responder): Receiver {
      const r = startReceiver(respond);
      started.push(r);
      return r;
    },
    stopAll: () => started.splice(0).forEach((r) => r.stop()),
  };
}
