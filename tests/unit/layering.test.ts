import { describe, test, expect } from "bun:test";
import { readdirSync, readFileSync, existsSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * The agreed layering (docs/extending.md), read from the imports themselves: every import of a source file,
 * type-only ones included, resolved to the file it names.
 */
const ROOT = resolve(import.meta.dir, "../..");
const SRC = join(ROOT, "src");
/** Browser code bundled into the web UI: it runs in the browser and imports only its own folder. */
const BROWSER = "src/http/ui/app/";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|(?:^|[\s;])import\s*\(?\s*["']([^"']+)["']/gm;

/** The repository-relative files a source file imports (packages and generated code are left out). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2]!;
    if (!spec.startsWith(".")) continue;
    const base = resolve(dirname(file), spec);
    const target = [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")].find((p) => existsSync(p) && statSync(p).isFile());
    if (target && target.startsWith(SRC + "/")) found.push(relative(ROOT, target));
  }
  return found;
}

const graph = new Map(sourceFiles(SRC).map((f) => [relative(ROOT, f), importsOf(f)]));
const layerOf = (file: string) => (file.split("/").length > 2 ? file.split("/")[1]! : file.slice(4).replace(/\.tsx?$/, ""));

/** Every import from a file of `from` to a file of a layer outside `allowed`, as "a -> b". */
function breaking(from: string, allowed: string[]): string[] {
  return [...graph].flatMap(([file, targets]) =>
    layerOf(file) === from && !file.startsWith(BROWSER) ? targets.filter((t) => !allowed.includes(layerOf(t))).map((t) => `${file} -> ${t}`) : [],
  );
}

describe("layering", () => {
  test("the parser sees the imports (a known edge of each kind)", () => {
    expect(graph.get("src/http/routes/jobs.ts")).toContain("src/engine/jobs.ts");
    expect(graph.get("src/server.ts")).toContain("src/features/index.ts");
    expect(graph.get("src/engine/jobs.ts")).toContain("src/store/jobs.ts");
  });

  test("http and rpc import only the engine, the domain, the bus and their own folder", () => {
    const shared = ["engine", "domain", "bus", "config", "version"];
    expect(breaking("http", ["http", ...shared])).toEqual([]);
    expect(breaking("rpc", ["rpc", ...shared])).toEqual([]);
  });

  test("loops change state only through the engine", () => {
    // The leader loop holds its lock through the database seam's types; nothing else of src/db or src/store.
    expect(breaking("loops", ["loops", "engine", "domain", "bus"]).filter((edge) => !edge.endsWith(" -> src/db/types.ts"))).toEqual([]);
  });

  test("the engine knows no transport, loop, feature or delivery code; the store knows no use case", () => {
    expect(breaking("engine", ["engine", "domain", "bus", "store", "db", "config", "version"])).toEqual([]);
    expect(breaking("store", ["store", "domain", "db"])).toEqual([]);
    expect(breaking("domain", ["domain"])).toEqual([]);
  });

  test("no import cycles", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const path: string[] = [];
    const visit = (file: string) => {
      state.set(file, "open");
      path.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === "open") cycles.push([...path.slice(path.indexOf(next)), next].join(" -> "));
        else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(file, "done");
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
