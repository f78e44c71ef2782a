import type { Subprocess } from "bun";

/**
 * A real `spindle serve` process on its own free port; resolves once it prints where it listens. Without a
 * database URL it runs on an in-memory embedded database.
 */
export async function startNode(databaseUrl: string | undefined, env: Record<string, string> = {}): Promise<{ proc: Subprocess; url: string }> {
  const { DATABASE_URL: _inherited, ...parentEnv } = process.env;
  const database = databaseUrl ? { DATABASE_URL: databaseUrl } : { SPINDLE_DATA_DIR: "memory://" };
  const proc = Bun.spawn([process.execPath, "src/main.ts", "serve"], {
    cwd: `${import.meta.dir}/../..`,
    // Plan caps off, as in startTestServer: these tests and benches are not about quotas.
    env: { ...parentEnv, ...database, HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", SPINDLE_QUIET: "true", SPINDLE_QUOTAS: "off", ...env },
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let seen = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`node exited before listening: ${seen}`);
    seen += new TextDecoder().decode(value);
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
    if (m) {
      // Keep draining stdout so the child never blocks on a full pipe.
      void (async () => {
        while (!(await reader.read()).done) {}
      })().catch(() => {});
      return { proc, url: m[1]! };
    }
  }
}
