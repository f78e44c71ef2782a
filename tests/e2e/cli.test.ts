import { describe, test, expect, beforeAll, afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary, runBinary } from "../helpers/binary";
import { startTestServer, type TestServer, type Client } from "../helpers/server";
import { GROUPS } from "../../src/cli/commands";

describe("the operator CLI in the compiled binary", () => {
  let dir: string;
  let binary: string;
  let s: TestServer;
  let api: Client;
  let key: string;
  let env: Record<string, string>;
  const spindle = (...args: string[]) => runBinary(binary, args, env);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "spindle-cli-"));
    [binary, s] = await Promise.all([buildBinary(dir), startTestServer("pglite")]);
    const org = await s.newOrg();
    api = org.client;
    key = org.key;
    env = { SPINDLE_URL: s.url, SPINDLE_API_KEY: key };
  });
  afterAll(async () => {
    await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("--help answers at every level with exit 0; wrong command lines exit 2", async () => {
    const top = await spindle("--help");
    expect(top.code).toBe(0);
    for (const word of ["serve", "migrate", "jobs", "dlq", "queues", "schedules", "org", "health", "Exit codes"]) expect(top.stdout).toContain(word);
    for (const group of GROUPS) {
      const g = await spindle(group.name, "--help");
      expect(g.code).toBe(0);
      expect(g.stdout).toContain(`Usage: spindle ${group.name} <command>`);
      for (const c of group.commands) {
        const h = await spindle(group.name, c.name, "--help");
        expect(h.code).toBe(0);
        expect(h.stdout).toStartWith(`Usage: spindle ${group.name} ${c.name}`);
        for (const o of c.options ?? []) expect(h.stdout).toContain(`--${o.name}`);
      }
    }
    for (const args of [["health", "-h"], ["serve", "--help"], ["migrate", "--help"]]) {
      const h = await spindle(...args);
      expect(h.code).toBe(0);
      expect(h.stdout).toStartWith(`Usage: spindle ${args[0]}`);
    }
    expect((await spindle("version")).stdout.trim()).toMatch(/^spindle \d+\.\d+\.\d+/);

    for (const args of [["frobnicate"], ["jobs"], ["jobs", "frob"], ["jobs", "ls", "--colour"], ["jobs", "get"], ["jobs", "ls", "--limit", "many"], ["dlq", "purge"]]) {
      const r = await spindle(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toStartWith("spindle: ");
      expect(r.stdout).toBe("");
    }
  });

  test("org create prints the new key once; the key works", async () => {
    const human = await runBinary(binary, ["org", "create", "Cli Human Org"], { SPINDLE_URL: s.url });
    expect(human.code).toBe(0);
    const printedKey = human.stdout.trim().split("\n").at(-1)!;
    expect(printedKey).toMatch(/^sk_(test|live)_\S+$/);
    expect(human.stdout).toContain("shown only now");
    expect((await s.client(printedKey).get("/api/v1/jobs")).status).toBe(200);

    const json = await runBinary(binary, ["org", "create", "Cli Json Org", "--slug", "cli-json-org", "--json"], { SPINDLE_URL: s.url });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ organization: { slug: "cli-json-org" }, api_key: { key: expect.stringMatching(/^sk_/) } });
    const taken = await runBinary(binary, ["org", "create", "Cli Json Org", "--slug", "cli-json-org"], { SPINDLE_URL: s.url });
    expect(taken.code).toBe(6);
  });

  test("jobs ls | get | cancel | retry, as tables and as JSON, with exit codes for missing and conflicting", async () => {
    const a = (await api.post("/api/v1/jobs", { queue_name: "cli-jobs", payload: { n: 1 } })).body.id;
    const b = (await api.post("/api/v1/jobs", { queue_name: "cli-jobs", payload: { n: 2 }, priority: 7 })).body.id;

    const table = await spindle("jobs", "ls", "--queue", "cli-jobs");
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+QUEUE_NAME\s+STATUS\s+PRIORITY/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0]).sort()).toEqual([a, b].sort());

    const json = await spindle("jobs", "ls", "--queue", "cli-jobs", "--status", "pending", "--limit", "1", "--json");
    expect(JSON.parse(json.stdout)).toHaveLength(1);

    const got = await spindle("jobs", "get", b);
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/^priority\s+7$/m);
    expect(got.stdout).toContain('{"n":2}');
    expect(JSON.parse((await spindle("jobs", "get", b, "--json")).stdout)).toMatchObject({ id: b, payload: { n: 2 }, status: "pending" });

    expect(await spindle("jobs", "cancel", a)).toMatchObject({ code: 0, stdout: `job ${a} cancelled\n` });
    const again = await spindle("jobs", "cancel", a);
    expect(again.code).toBe(6);
    expect(again.stderr).toContain("409");
    expect((await spindle("jobs", "retry", a)).code).toBe(6); // cancelled jobs are not retried

    const failing = (await api.post("/api/v1/jobs", { queue_name: "cli-failing", payload: {}, max_retries: 0 })).body.id;
    const [lease] = (await api.post("/api/v1/jobs/claim", { queue_name: "cli-failing", worker_id: "w" })).body.jobs;
    await api.post(`/api/v1/jobs/${failing}/fail`, { worker_id: "w", lease_id: lease.lease_id, error: "boom" });
    expect(await spindle("jobs", "retry", failing)).toMatchObject({ code: 0, stdout: `job ${failing} is pending again\n` });
    expect((await api.get(`/api/v1/jobs/${failing}`)).body.status).toBe("pending");

    const missing = await spindle("jobs", "get", "no-such-job", "--json");
    expect(missing.code).toBe(5);
    expect(JSON.parse(missing.stdout)).toMatchObject({ code: "NOT_FOUND" });
    expect((await runBinary(binary, ["jobs", "ls"], { SPINDLE_URL: s.url, SPINDLE_API_KEY: "sk_test_wrong_key_0000000000" })).code).toBe(4);
    expect((await runBinary(binary, ["jobs", "ls"], { SPINDLE_URL: s.url })).code).toBe(4);
    // Flags win over the environment.
    expect((await runBinary(binary, ["jobs", "ls", "--url", s.url, "--api-key", key], { SPINDLE_API_KEY: "sk_test_wrong_key_0000000000" })).code).toBe(0);
  });

  test("dlq ls | retry | purge", async () => {
    const deadLetter = async () => {
      const id = (await api.post("/api/v1/jobs", { queue_name: "cli-dlq", payload: {}, max_retries: 0 })).body.id;
      const [lease] = (await api.post("/api/v1/jobs/claim", { queue_name: "cli-dlq", worker_id: "w" })).body.jobs;
      expect(lease.id).toBe(id);
      expect((await api.post(`/api/v1/jobs/${id}/fail`, { worker_id: "w", lease_id: lease.lease_id, error: "boom" })).body.will_retry).toBe(false);
      return id as string;
    };
    const first = await deadLetter();
    const second = await deadLetter();

    const ls = await spindle("dlq", "ls", "--queue", "cli-dlq");
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain(first);
    expect(ls.stdout).toContain(second);

    expect(await spindle("dlq", "retry", first)).toMatchObject({ code: 0, stdout: `retried 1 job(s): ${first}\n` });
    expect((await api.get(`/api/v1/jobs/${first}`)).body.status).toBe("pending");

    const refused = await spindle("dlq", "purge", "--queue", "cli-dlq");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--yes");
    expect((await api.get(`/api/v1/jobs/${second}`)).status).toBe(200);
    const purged = await spindle("dlq", "purge", "--queue", "cli-dlq", "--yes", "--json");
    expect(purged.code).toBe(0);
    expect(JSON.parse(purged.stdout)).toEqual({ purged_count: 1 });
    expect((await api.get(`/api/v1/jobs/${second}`)).status).toBe(404);
  });

  test("queues ls | pause | resume", async () => {
    await api.put("/api/v1/queues/cli-q/config", { max_retries: 4 });
    const ls = await spindle("queues", "ls");
    expect(ls.stdout).toMatch(/^cli-q\s+true\s+4\s/m);
    expect(await spindle("queues", "pause", "cli-q", "--reason", "maintenance")).toMatchObject({ code: 0, stdout: "queue cli-q paused (maintenance)\n" });
    await api.post("/api/v1/jobs", { queue_name: "cli-q", payload: {} });
    expect((await api.post("/api/v1/jobs/claim", { queue_name: "cli-q", worker_id: "w" })).body.jobs).toHaveLength(0);
    expect(await spindle("queues", "resume", "cli-q")).toMatchObject({ code: 0, stdout: "queue cli-q resumed\n" });
    expect((await api.post("/api/v1/jobs/claim", { queue_name: "cli-q", worker_id: "w" })).body.jobs).toHaveLength(1);
  });

  test("schedules ls | trigger", async () => {
    const schedule = (await api.post("/api/v1/schedules", { name: "cli-nightly", cron_expression: "0 0 3 * * *", queue_name: "cli-cron", payload_template: { nightly: true } })).body;
    const ls = await spindle("schedules", "ls");
    expect(ls.stdout).toMatch(new RegExp(`^${schedule.id}\\s+cli-nightly\\s+0 0 3 \\* \\* \\*`, "m"));
    const fired = await spindle("schedules", "trigger", schedule.id, "--json");
    expect(fired.code).toBe(0);
    const jobId = JSON.parse(fired.stdout).job_id;
    expect((await api.get(`/api/v1/jobs/${jobId}`)).body).toMatchObject({ queue_name: "cli-cron", payload: { nightly: true } });
    expect((await spindle("schedules", "trigger", "no-such-schedule")).code).toBe(5);
  });

  test("health: 0 when healthy, 7 when the server answers unhealthy, 3 when nothing answers", async () => {
    const ok = await spindle("health");
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toStartWith("healthy (database: ok)");
    // A stand-in that answers like a server whose database is down: the CLI's reading of a 503 is under test.
    const sick = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => Response.json({ status: "unhealthy", database: false, cache: false, failed: ["database"] }, { status: 503 }) });
    try {
      const bad = await runBinary(binary, ["health", "--url", `http://127.0.0.1:${sick.port}`]);
      expect(bad.code).toBe(7);
      expect(bad.stdout).toContain("database failing");
    } finally {
      sick.stop(true);
    }
    const nobody = await runBinary(binary, ["health", "--url", `http://127.0.0.1:${sick.port}`]);
    expect(nobody.code).toBe(3);
    expect(nobody.stderr).toContain("cannot reach");
  });
});
