// Bundles the web UI (src/http/ui/app) with Bun's bundler and prints {js, css, hash} as JSON on stdout.
// It runs as its own process because the caller is a macro inside the bundler (see ./bundle.ts), and a macro
// cannot call Bun.build itself. `bun src/http/ui/bundler.ts --sizes` prints the asset sizes instead.
import { gzipSync } from "bun";

const entry = `${import.meta.dir}/app/main.tsx`;
const result = await Bun.build({ entrypoints: [entry], target: "browser", minify: true, sourcemap: "none", define: { "process.env.NODE_ENV": '"production"' } });
if (!result.success) {
  console.error(result.logs.map(String).join("\n"));
  process.exit(1);
}
const js = (await Promise.all(result.outputs.filter((o) => o.kind === "entry-point").map((o) => o.text()))).join("\n");
const css = (await Promise.all(result.outputs.filter((o) => o.path.endsWith(".css")).map((o) => o.text()))).join("\n");
const hash = Bun.hash(js + css).toString(36);

if (process.argv.includes("--sizes")) {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  for (const [name, text] of [["app.js", js], ["app.css", css]] as const) {
    console.log(`${name}: ${kib(Buffer.byteLength(text))} minified, ${kib(gzipSync(text).length)} gzipped`);
  }
} else {
  process.stdout.write(JSON.stringify({ js, css, hash }));
}
