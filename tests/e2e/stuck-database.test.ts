import { describe, test, expect, afterEach } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSpindle, type SpindleProcess } from "../helpers/process";
import { eventually } from "../helpers/eventually";

/**
 * The embedded database stuck or broken, in a real process (crash-only, issue 18). Embedded only: PostgreSQL runs
 * in its own process, cancels statements itself (statement_timeout) and has its outage path in pg-restart.test.ts.
 */
const ROOT = join(import.meta.dir, "../..");
const STALL_LIMIT_SECS = "3";

describe("a stuck embedded database ends the process, which restarts on intact data", () => {
  const dirs: string[] = [];
  const procs: SpindleProcess[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.stop().catch(() => {});
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function start(dataDir: string, entry: string[], env: Record<string, string> = {}) {
    const p = await spawnSpindle(["bun", ...entry], { cwd: ROOT, env: { SPINDLE_DATA_DIR: dataDir, SPINDLE_STATEMENT_TIMEOUT_SECS: STALL_LIMIT_SECS, SPINDLE_QUOTAS: "off", ...env }, startupMs: 120_000 });
    procs.push(p);
    return p;
  }
  const stalling = (dataDir: string, mode: string) => start(dataDir, ["tests/helpers/stalling-server.ts"], { STALL_MODE: mode });

  async function orgWithJob(url: string) {
    const org = await fetch(`${url}/api/v1/organizations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Stuck", slug: `stuck-${Date.now()}` }) });
    const key = (await org.json()).api_key.key as string;
    const job = await fetch(`${url}/api/v1/jobs`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ queue_name: "kept", payload: { n: 1 } }) });
    expect(job.status).toBe(201);
    return { key, jobId: (await job.json()).id as string };
  }

  async function jobSurvives(dataDir: string, key: string, jobId: string) {
    const again = await start(dataDir, ["src/main.ts", "serve"]);
    const r = await fetch(`${again.url}/api/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(200);
    expect((await r.json()).payload).toEqual({ n: 1 });
    expect((await fetch(`${again.url}/health/ready`)).status).toBe(200);
  }

  const freshDir = () => {
    const d = mkdtempSync(join(tmpdir(), "spindle-stuck-"));
    dirs.push(d);
    return join(d, "data");
  };

  test("a database that stops answering: /health turns 503 at once, then the process logs why and exits non-zero", async () => {
    const dataDir = freshDir();
    const p = await stalling(dataDir, "async");
    const { key, jobId } = await orgWithJob(p.url);
    expect((await fetch(`${p.url}/health`)).status).toBe(200);
    p.proc.kill("SIGUSR2");
    await eventually(async () => p.stdout.some((l) => l.includes("stalling the database")), (seen) => seen);
    // The probe gives up after 800 ms, so the answer comes while the database is still stuck.
    const health = await fetch(`${p.url}/health`, { signal: AbortSignal.timeout(2_500) });
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: "degraded", database: false, cache: true });
    const ready = await fetch(`${p.url}/health/ready`, { signal: AbortSignal.timeout(2_500) });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "unhealthy", database: false, cache: true, failed: ["database"] });
    expect(await p.exited).not.toBe(0);
    expect(p.stderr.join("\n")).toContain("has not answered a statement");
    await jobSurvives(dataDir, key, jobId);
  }, 240_000);

  test("a statement that never ends freezes the thread: the watchdog logs why and kills the process", async () => {
    const dataDir = freshDir();
    const p = await stalling(dataDir, "sync");
    const { key, jobId } = await orgWithJob(p.url);
    p.proc.kill("SIGUSR2");
    await p.exited;
    expect(p.proc.signalCode).toBe("SIGKILL");
    expect(p.stderr.join("\n")).toContain("main thread has been blocked");
    await jobSurvives(dataDir, key, jobId);
  }, 240_000);

  test("the original wedge (a 50,000-level jsonb value reaching PGlite) is detected, logged and ends the process instead of spinning", async () => {
    const dataDir = freshDir();
    const p = await stalling(dataDir, "deep");
    const { key, jobId } = await orgWithJob(p.url);
    p.proc.kill("SIGUSR2");
    expect(await p.exited).toBe(70);
    expect(p.stderr.join("\n")).toContain("backend failed (RangeError");
    // The broken statement's empty result was never handed out as data.
    expect(p.stdout.join("\n")).not.toContain("deep statement returned");
    await jobSurvives(dataDir, key, jobId);
  }, 240_000);
});
