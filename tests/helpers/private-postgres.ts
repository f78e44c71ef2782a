import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A throw-away PostgreSQL cluster of our own (initdb into a temp dir, pg_ctl on a free port) for fault tests
 * that stop and restart the server; the shared PostgreSQL is never touched.
 */
export interface PrivatePostgres {
  url: string;
  port: number;
  /** pg_ctl restart -m fast: drops every connection, returns once the server accepts connections again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster and removes its directory. */
  destroy(): Promise<void>;
}

/** The directory with initdb and pg_ctl, or undefined when no PostgreSQL server binaries are installed. */
export function findPostgresBin(): string | undefined {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, "initdb"))) return fromEnv;
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], "bin") : undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Cluster directories are named after the test process, so scripts/test.sh can stop what a killed run left. */
export const privateClusterPrefix = (pid: number) => `spindle-pg-${pid}-`;

/** Stops (immediately) and removes every private cluster the given test process started and did not destroy. */
export async function destroyClustersOf(pid: number, binDir: string): Promise<string[]> {
  const dirs = readdirSync(tmpdir()).filter((d) => d.startsWith(privateClusterPrefix(pid))).map((d) => join(tmpdir(), d));
  for (const dir of dirs) {
    await run(join(binDir, "pg_ctl"), ["-D", join(dir, "pg"), "-w", "stop", "-m", "immediate"]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
  return dirs;
}

/** initdb and postgres refuse to run as root: as root, run them as the postgres user. */
async function run(bin: string, args: string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const cmd = asRoot ? ["runuser", "-u", "postgres", "--", bin, ...args] : [bin, ...args];
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}\n${out}\n${err}`);
}

export async function startPrivatePostgres(binDir: string): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), privateClusterPrefix(process.pid)));
  chmodSync(dir, 0o777);
  if (process.getuid?.() === 0) {
    const chown = Bun.spawnSync(["chown", "postgres:postgres", dir]);
    if (chown.exitCode !== 0) throw new Error(`chown failed: ${chown.stderr}`);
  }
  const port = await freePort();
  const data = join(dir, "pg");
  await run(join(binDir, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const pgCtl = (...args: string[]) =>
    run(join(binDir, "pg_ctl"), ["-D", data, "-w", "-t", "60", "-l", join(dir, "log"), ...args]);
  const options = ["-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`];
  await pgCtl("start", ...options);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    restart: () => pgCtl("restart", "-m", "fast", ...options),
    stop: () => pgCtl("stop", "-m", "fast"),
    start: () => pgCtl("start", ...options),
    async destroy() {
      await pgCtl("stop", "-m", "immediate").catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
