import type { Subprocess } from "bun";
import { spawnSpindle } from "./process";

/**
 * A real `spindle serve` process on its own free port, for tests of several nodes on one database. Without a
 * database URL it runs on an in-memory embedded database. Plan caps are off, as in startTestServer: these tests
 * and benches are not about quotas.
 */
export async function startNode(databaseUrl: string | undefined, env: Record<string, string> = {}): Promise<{ proc: Subprocess; url: string }> {
  const database: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl } : { SPINDLE_DATA_DIR: "memory://" };
  const node = await spawnSpindle([process.execPath, "src/main.ts", "serve"], {
    cwd: `${import.meta.dir}/../..`,
    env: { ...database, SPINDLE_QUIET: "true", SPINDLE_QUOTAS: "off", ...env },
  });
  return { proc: node.proc, url: node.url };
}
