#!/usr/bin/env bun
/**
 * The compose.yaml topology without containers: two replicas of dist/spindle on one PostgreSQL behind Caddy running
 * the very Caddyfile compose.yaml carries (service names rewritten to local ports). Checks through the proxy:
 * an organization, a job enqueued, seen on the event stream, claimed and completed, read back over gRPC (h2c);
 * then one replica is stopped
 * and the proxy keeps serving from the other.
 *
 *   npm run build && bun scripts/check-scale-out.ts postgres://postgres@127.0.0.1:5432/some_empty_db
 *
 * Needs `caddy` on PATH (Debian: apt-get install caddy).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { grpcClients } from "../tests/helpers/grpc";

const repo = resolve(import.meta.dir, "..");
const databaseUrl = process.argv[2];
if (!databaseUrl) {
  console.error("usage: bun scripts/check-scale-out.ts postgres://…");
  process.exit(2);
}
const compose = Bun.YAML.parse(await Bun.file(join(repo, "compose.yaml")).text()) as any;
const dir = mkdtempSync(join(tmpdir(), "spindle-scale-out-"));
const children: Subprocess[] = [];

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function until(what: string, check: () => Promise<boolean>, seconds = 60) {
  for (let i = 0; i < seconds * 4; i++) {
    if (await check().catch(() => false)) return;
    await Bun.sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const ok = async (url: string) => (await fetch(url)).ok;
function expect(cond: unknown, what: string) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok  ${what}`);
}

try {
  const replicas = await Promise.all(
    ["spindle-1", "spindle-2"].map(async (name) => ({ name, http: await freePort(), grpc: await freePort() })),
  );
  for (const r of replicas) {
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      DATABASE_URL: databaseUrl,
      JWT_SECRET: "scale-out-check-secret-of-at-least-32-chars",
      HOST: "127.0.0.1",
      PORT: String(r.http),
      GRPC_PORT: String(r.grpc),
    };
    children.push(Bun.spawn([join(repo, "dist/spindle"), "serve"], { env, stdout: Bun.file(join(dir, `${r.name}.log`)), stderr: "inherit" }));
    await until(`${r.name} to be ready`, () => ok(`http://127.0.0.1:${r.http}/health/ready`));
  }

  const proxyHttp = await freePort();
  const proxyGrpc = await freePort();
  let caddyfile: string = compose.configs.caddyfile.content;
  for (const r of replicas) caddyfile = caddyfile.replaceAll(`${r.name}:8080`, `127.0.0.1:${r.http}`).replaceAll(`${r.name}:50051`, `127.0.0.1:${r.grpc}`);
  caddyfile = caddyfile.replaceAll(":8080 {", `:${proxyHttp} {`).replaceAll(":50051", `:${proxyGrpc}`);
  writeFileSync(join(dir, "Caddyfile"), caddyfile);
  children.push(Bun.spawn(["caddy", "run", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"], { stdout: Bun.file(join(dir, "caddy.log")), stderr: Bun.file(join(dir, "caddy.err")) }));
  const proxy = `http://127.0.0.1:${proxyHttp}`;
  await until("the proxy", () => ok(`${proxy}/health/ready`));
  console.log(`replicas on :${replicas.map((r) => r.http).join(", :")}, proxy on :${proxyHttp} (gRPC :${proxyGrpc})`);

  const json = async (path: string, body?: unknown, key?: string) => {
    const res = await fetch(proxy + path, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const org = await json("/api/v1/organizations", { name: "Scale Out", slug: `scale-out-${Date.now().toString(36)}` });
  expect(org.status === 201, "an organization is created through the proxy");
  const key = org.body.api_key.key;

  // The event stream (SSE) through the proxy sees the job the other requests create.
  const events = await fetch(`${proxy}/api/v1/events`, { headers: { authorization: `Bearer ${key}`, accept: "text/event-stream" } });
  expect(events.ok && events.headers.get("content-type")?.startsWith("text/event-stream"), "the SSE stream opens through the proxy");
  const reader = events.body!.getReader();
  let seen = "";
  let jobId = "";
  const sawEvent = (async () => {
    const decoder = new TextDecoder();
    while (!(jobId && seen.includes(jobId))) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += decoder.decode(value);
    }
  })();

  const job = await json("/api/v1/jobs", { queue_name: "scale-out", payload: { n: 1 } }, key);
  expect(job.status === 201, "a job is enqueued through the proxy");
  jobId = job.body.id;
  await Promise.race([sawEvent, Bun.sleep(15_000)]);
  expect(seen.includes(job.body.id), "the job's event arrives on the stream");
  await reader.cancel();

  const claimed = await json("/api/v1/jobs/claim", { queue_name: "scale-out", worker_id: "w" }, key);
  expect(claimed.body.jobs?.[0]?.id === job.body.id, "the job is claimed through the proxy");
  const done = await json(`/api/v1/jobs/${job.body.id}/complete`, { worker_id: "w", lease_id: claimed.body.jobs[0].lease_id }, key);
  expect(done.status === 200, "and completed");

  // gRPC (h2c) through the proxy's second listener, with the SDK's own client library.
  const rpc = grpcClients(`127.0.0.1:${proxyGrpc}`, key);
  try {
    const viaGrpc = await rpc.call(rpc.queue, "GetJob", { jobId: job.body.id });
    expect(viaGrpc.job?.id === job.body.id && viaGrpc.job?.status === "JOB_STATUS_COMPLETED", "gRPC GetJob through the proxy sees it completed");
  } finally {
    rpc.close();
  }

  children[0]!.kill("SIGTERM");
  await children[0]!.exited;
  // Caddy's active health check drops the stopped replica; every request then lands on the other one.
  await until("the proxy to route around the stopped replica", async () => {
    for (let i = 0; i < 6; i++) if (!(await ok(`${proxy}/health/ready`))) return false;
    return true;
  });
  const after = await json("/api/v1/jobs", { queue_name: "scale-out", payload: { n: 2 } }, key);
  expect(after.status === 201, "with one replica stopped, the proxy still takes jobs");
  console.log("scale-out check passed");
} catch (err) {
  console.error(String(err));
  console.error(`logs in ${dir}`);
  process.exitCode = 1;
} finally {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((c) => c.exited));
  if (!process.exitCode) rmSync(dir, { recursive: true, force: true });
}
