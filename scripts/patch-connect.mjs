// Makes @connectrpc/connect 2.2.0 answer a client's malformed request as the client's error, as the gRPC spec asks
// (issues 12 and 18). Runs from `postinstall` with patch-postgres.mjs; idempotent.
// 1. A request body that does not decode (truncated message, bad wire type, invalid varint, invalid UTF-8 in a
//    string, nesting beyond the recursion limit) is INVALID_ARGUMENT, not INTERNAL. The JSON codec already does so.
// 2. A compressed message without a known grpc-encoding is UNIMPLEMENTED (gRPC protocol spec, "Compression").
// Tested by tests/e2e/grpc-robustness.test.ts, which fails on an unpatched tree.
import { readFileSync, writeFileSync, existsSync } from "node:fs";

const MARK = "/* spindle: client decode errors */";
const base = "node_modules/@connectrpc/connect/dist";
const edits = (code) => ({
  "protocol/serialization.js": [["throw new " + code("ConnectError") + "(`parse binary: ${m}`, " + code("Code") + ".Internal);", "throw new " + code("ConnectError") + "(`parse binary: ${m}`, " + code("Code") + ".InvalidArgument); " + MARK]],
  "protocol/envelope.js": [
    [`"received compressed envelope, but do not know how to decompress", ${code("Code")}.Internal);`, `"received compressed envelope, but do not know how to decompress", ${code("Code")}.Unimplemented); ${MARK}`],
  ],
});
const esm = edits((name) => name);
const cjs = edits((name) => (name === "Code" ? "code_js_1.Code" : "connect_error_js_1.ConnectError"));

for (const [dir, files] of [["esm", esm], ["cjs", cjs]]) {
  for (const [rel, pairs] of Object.entries(files)) {
    const file = `${base}/${dir}/${rel}`;
    if (!existsSync(file)) continue;
    let text = readFileSync(file, "utf8");
    if (text.includes(MARK)) continue;
    for (const [from, to] of pairs) {
      if (!text.includes(from)) throw new Error(`patch-connect: pattern not found in ${file}: ${from.slice(0, 60)}`);
      text = text.replace(from, to);
    }
    writeFileSync(file, text);
  }
}
