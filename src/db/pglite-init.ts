import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * Creating a new embedded data directory runs initdb inside PGlite, whose WebAssembly memory stays resident for
 * the life of the process (~400 MB measured, docs/benchmarks.md). A server starting on a new directory therefore
 * lets a short-lived child process of itself create and migrate it (`spindle migrate`), and opens the finished
 * directory itself.
 */
export function isNewDataDir(dataDir: string): boolean {
  return !existsSync(join(dataDir, "PG_VERSION"));
}

/** The command line that runs this same program: the compiled binary itself, or bun with the entry script. */
function selfCommand(): string[] {
  const compiled = Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/");
  return compiled ? [process.execPath] : [process.execPath, Bun.main];
}

export async function createDataDirInChild(dataDir: string, env: Record<string, string | undefined> = process.env): Promise<void> {
  const child = Bun.spawn([...selfCommand(), "migrate"], {
    env: { ...env, SPINDLE_DATA_DIR: dataDir, DATABASE_URL: "" },
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  if (code !== 0) throw new Error(`creating the embedded database in ${dataDir} failed (exit ${code}): ${stderr.trim().slice(-2000)}`);
}
