/**
 * One nesting limit and one way to measure every JSON value Spindle stores, on every transport. Both walks below
 * are iterative: PGlite runs PostgreSQL as WebAssembly on the JS stack, where a deeply nested jsonb value
 * overflows the engine's native stack before PostgreSQL's own depth check fires (src/db/pglite-guard.ts), and
 * JSON.stringify or protobuf conversion recurse on the same input. Nothing recursive may touch a value before it
 * has passed these checks. JSON.parse itself is safe: Bun's (JavaScriptCore's) parser is iterative, measured up
 * to 5,000,000 levels, so REST bodies are parsed first and each field is then checked and named on its own.
 */

/** The default of SPINDLE_JSON_MAX_DEPTH: far beyond real payloads, far below any stack. */
export const DEFAULT_JSON_MAX_DEPTH = 64;

let maxDepth = DEFAULT_JSON_MAX_DEPTH;

/** Set once at startup from the configuration (SPINDLE_JSON_MAX_DEPTH). */
export function setJsonMaxDepth(depth: number): void {
  maxDepth = depth;
}

export const jsonMaxDepth = () => maxDepth;

export interface JsonMeasure {
  /** Bytes of the value's JSON text (as JSON.stringify writes it), counted up to the first limit crossed. */
  bytes: number;
  tooDeep: boolean;
  tooBig: boolean;
}

const scalarBytes = (v: unknown): number => {
  if (typeof v === "string") return Buffer.byteLength(JSON.stringify(v));
  if (typeof v === "number") return Number.isFinite(v) ? String(v).length : 4;
  if (typeof v === "boolean") return v ? 4 : 5;
  if (typeof v === "bigint") return String(v).length;
  return 4; // null
};

/**
 * Walks a value without recursion, stopping as soon as it is nested deeper than maxDepth containers or its JSON
 * text would exceed maxBytes. A scalar is depth 0, `[]` and `{}` depth 1.
 */
export function measureJson(value: unknown, maxBytes: number, depthLimit = maxDepth): JsonMeasure {
  const stack: [unknown, number][] = [[value, 0]];
  let bytes = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v !== null && typeof v === "object") {
      if (depth + 1 > depthLimit) return { bytes, tooDeep: true, tooBig: false };
      if (Array.isArray(v)) {
        bytes += 2 + Math.max(0, v.length - 1);
        for (const child of v) stack.push([child === undefined ? null : child, depth + 1]);
      } else {
        const entries = Object.entries(v).filter(([, child]) => child !== undefined && typeof child !== "function");
        bytes += 2 + Math.max(0, entries.length - 1);
        for (const [key, child] of entries) {
          bytes += Buffer.byteLength(JSON.stringify(key)) + 1;
          stack.push([child, depth + 1]);
        }
      }
    } else if (v !== undefined) {
      bytes += scalarBytes(v);
    }
    if (bytes > maxBytes) return { bytes, tooDeep: false, tooBig: true };
  }
  return { bytes, tooDeep: false, tooBig: false };
}

/** The JSON text's byte length; only for values already known to be within the depth limit or flat. */
export const jsonByteLength = (value: unknown) => measureJson(value, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).bytes;

export const tooDeepMessage = (what: string, depthLimit = maxDepth) => `${what} must not be nested more than ${depthLimit} levels deep`;
