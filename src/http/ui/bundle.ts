/**
 * The web UI's bundle, made at build time. Imported `with { type: "macro" }` (src/http/routes/ui.ts), this
 * function runs while Bun transpiles that file — when `bun build --compile` makes the binary, and when `bun
 * src/main.ts` or `bun test` loads it — and its result is inlined as literal strings. So the binary carries the
 * assets with no file beside it, development serves the current sources with no build step, and there is one
 * code path and no generated file to keep in step.
 */
export interface UiBundle {
  js: string;
  css: string;
  /** Content hash, part of the asset URLs so browsers may cache them forever. */
  hash: string;
}

export function uiBundle(): UiBundle {
  const run = Bun.spawnSync([process.execPath, `${import.meta.dir}/bundler.ts`], { stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`web UI bundle failed:\n${run.stderr.toString()}`);
  return JSON.parse(run.stdout.toString()) as UiBundle;
}
