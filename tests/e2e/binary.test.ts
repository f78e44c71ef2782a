import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { mkdtempSync, copyFileSync, rmSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawnSpindle, type SpindleProcess } from "../helpers/process";
import { Client } from "../helpers/server";

const repo = resolve(import.meta.dir, "../..");

describe("the single binary (dist/spindle)", () => {
  let dir: string;
  let running: SpindleProcess | undefined;

  beforeAll(() => {
    const build = Bun.spawnSync([process.execPath, "run", "build"], { cwd: repo, stdout: "pipe", stderr: "pipe" });
    if (build.exitCode !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
    dir = mkdtempSync(join(tmpdir(), "spindle-bin-"));
    copyFileSync(join(repo, "dist/spindle"), join(dir, "spindle"));
  });
  afterAll(async () => {
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    running = await spawnSpindle([join(dir, "spindle"), "serve"], { cwd: dir, env: { SPINDLE_DATA_DIR: join(dir, "data") } });
    return running;
  };

  test("runs from a directory with no node_modules, serves /health and the web UI, and keeps its data across a restart", async () => {
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
    expect(readdirSync(dir)).toEqual(["spindle"]);

    const first = await start();
    // The three startup lines, one each (features such as gRPC may print their own lines around them).
    const startup = first.stdout.filter((l) => /^(spindle \S+ listening on |database: |mode: )/.test(l));
    expect(startup).toEqual([
      expect.stringMatching(/^spindle \S+ listening on http:\/\/127\.0\.0\.1:\d+$/),
      `database: embedded pglite ${join(dir, "data")}`,
      "mode: development",
    ]);
    const health = await fetch(`${first.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "healthy", database: true });

    // The web UI is inside the binary: the page and its bundle are served with nothing beside the executable.
    const page = await fetch(`${first.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    const assets = html.match(/\/ui\/assets\/app-[a-z0-9]+\.(js|css)/g)!;
    expect(assets).toHaveLength(2);
    for (const path of assets) {
      const asset = await fetch(`${first.url}${path}`);
      expect(asset.status).toBe(200);
      expect((await asset.text()).length).toBeGreaterThan(path.endsWith(".js") ? 20_000 : 2_000);
    }
    expect((await fetch(`${first.url}/ui`, { redirect: "manual" })).headers.get("location")).toBe("/");
    expect(readdirSync(dir)).toEqual(["data", "spindle"]);

    const org = await new Client(first.url).post("/api/v1/organizations", { name: "Binary Org", slug: "binary-org" });
    expect(org.status).toBe(201);
    const api = new Client(first.url, org.body.api_key.key);
    const job = await api.post("/api/v1/jobs", { queue_name: "kept", payload: { survives: true } });
    expect(job.status).toBe(201);
    expect(await first.stop()).toBe(0);

    const second = await start();
    const again = new Client(second.url, org.body.api_key.key);
    const read = await again.get(`/api/v1/jobs/${job.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ queue_name: "kept", payload: { survives: true }, status: "pending" });
    expect((await again.post("/api/v1/organizations", { name: "Binary Org", slug: "binary-org" })).status).toBe(409);
    expect(await second.stop()).toBe(0);
  });
});
