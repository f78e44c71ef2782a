import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dir, "../..");

/**
 * Compiles the single binary exactly as `npm run build` does, but into `dir` (so test files running in parallel
 * never write the same file), and returns its path.
 */
export async function buildBinary(dir: string): Promise<string> {
  const script: string = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).scripts.build;
  const out = join(dir, "spindle");
  const args = script.split(/\s+/).map((word) => (word === "dist/spindle" ? out : word));
  if (args[0] !== "bun" || !args.includes(out)) throw new Error(`unexpected build script: ${script}`);
  const build = Bun.spawn([process.execPath, ...args.slice(1)], { cwd: repo, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(build.stdout).text(), new Response(build.stderr).text(), build.exited]);
  if (code !== 0) throw new Error(`build failed:\n${stdout}\n${stderr}`);
  return out;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the binary to completion (asynchronously: the server under test may live in this process). */
export async function runBinary(binary: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const proc = Bun.spawn([binary, ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}
