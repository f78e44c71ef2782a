#!/usr/bin/env bun
/**
 * npm run build:all: dist/spindle-linux-{x64,arm64}[-musl], one self-contained executable per target.
 *
 * `bun build --target=bun-linux-arm64` would download the target's runtime from a host of its own; instead each
 * runtime comes from the registry's `@oven/bun-*` package at exactly the version of our pinned `bun` devDependency
 * (`npm pack`, cached in .tmp/bun-runtimes/) and is handed to the compiler with --compile-executable-path.
 * Prints each binary's size and what `file` says about it; `--only NAME[,NAME]` builds a subset.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dir, "..");
const bunVersion: string = JSON.parse(readFileSync(join(repo, "node_modules/bun/package.json"), "utf8")).version;

export const TARGETS = [
  { name: "linux-x64", bunTarget: "bun-linux-x64", runtimePackage: "@oven/bun-linux-x64" },
  { name: "linux-x64-musl", bunTarget: "bun-linux-x64-musl", runtimePackage: "@oven/bun-linux-x64-musl" },
  { name: "linux-arm64", bunTarget: "bun-linux-arm64", runtimePackage: "@oven/bun-linux-aarch64" },
  { name: "linux-arm64-musl", bunTarget: "bun-linux-arm64-musl", runtimePackage: "@oven/bun-linux-aarch64-musl" },
];

function run(cmd: string[], cwd = repo): string {
  const r = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed (${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout.toString();
}

/** The target's bun executable, fetched once from the npm registry with `npm pack`. */
function runtimeFor(pkg: string): string {
  const dir = join(repo, ".tmp/bun-runtimes", `${pkg.replace("/", "+")}@${bunVersion}`);
  const exe = join(dir, "package/bin/bun");
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const tarball = run(["npm", "pack", `${pkg}@${bunVersion}`, "--silent", "--pack-destination", dir]).trim().split("\n").pop()!;
  run(["tar", "-xzf", join(dir, tarball), "-C", dir]);
  if (!existsSync(exe)) throw new Error(`${pkg}@${bunVersion} has no package/bin/bun`);
  return exe;
}

const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1]!.split(",") : undefined;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const hasFile = Bun.spawnSync(["sh", "-c", "command -v file"]).exitCode === 0;

for (const target of TARGETS.filter((t) => !only || only.includes(t.name))) {
  const runtime = runtimeFor(target.runtimePackage);
  const out = join(repo, "dist", `spindle-${target.name}`);
  run([process.execPath, "build", "src/main.ts", "--compile", "--minify", "--sourcemap", `--target=${target.bunTarget}`, "--compile-executable-path", runtime, "--outfile", out]);
  const kind = hasFile ? run(["file", "-b", out]).split(",").slice(0, 2).join(",").trim() : "(install `file` to see the format)";
  console.log(`${`dist/spindle-${target.name}`.padEnd(30)} ${mib(statSync(out).size).padStart(10)}  runtime ${mib(statSync(runtime).size)}  ${kind}`);
}
