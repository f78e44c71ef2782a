#!/usr/bin/env bun
/**
 * npm run gen:openapi: writes the OpenAPI document's TypeScript types (openapi-typescript) to
 * tests/generated/spindle-api.d.ts, which the openapi-fetch client in tests/e2e/openapi.test.ts uses.
 * `--check` exits 1 when the committed file is not what the current route table generates.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { generateOpenApiTypes } from "./openapi-types";

const out = resolve(import.meta.dir, "../tests/generated/spindle-api.d.ts");
const fresh = await generateOpenApiTypes();
if (process.argv.includes("--check")) {
  const committed = readFileSync(out, "utf8");
  if (committed !== fresh) {
    console.error(`${out} is stale: run npm run gen:openapi`);
    process.exit(1);
  }
  console.log(`${out} is current`);
} else {
  writeFileSync(out, fresh);
  console.log(`wrote ${out} (${fresh.length} bytes)`);
}
