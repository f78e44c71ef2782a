// PGlite's runtime files, imported as files so that `bun build --compile` embeds them in the binary
// (a compiled binary cannot find them by path inside node_modules). In development the same imports
// resolve to the files in node_modules, so there is one code path.
// @ts-ignore -- file imports have no type declarations
import pgliteWasmPath from "../../node_modules/@electric-sql/pglite/dist/pglite.wasm" with { type: "file" };
// @ts-ignore
import initdbWasmPath from "../../node_modules/@electric-sql/pglite/dist/initdb.wasm" with { type: "file" };
// @ts-ignore
import fsBundlePath from "../../node_modules/@electric-sql/pglite/dist/pglite.data" with { type: "file" };

export interface PgliteAssets {
  pgliteWasmModule: WebAssembly.Module;
  initdbWasmModule: WebAssembly.Module;
  fsBundle: Blob;
}

let cached: Promise<PgliteAssets> | undefined;

export function loadPgliteAssets(): Promise<PgliteAssets> {
  cached ??= (async () => {
    const [pglite, initdb] = await Promise.all([
      Bun.file(pgliteWasmPath as string).arrayBuffer().then((b) => WebAssembly.compile(b)),
      Bun.file(initdbWasmPath as string).arrayBuffer().then((b) => WebAssembly.compile(b)),
    ]);
    const fsBundle = new Blob([await Bun.file(fsBundlePath as string).arrayBuffer()]);
    return { pgliteWasmModule: pglite, initdbWasmModule: initdb, fsBundle };
  })();
  return cached;
}
