/** Hostile JSON and protobuf shapes shared by the robustness tests. */

/** JSON text nested depth levels: objects {"a":{"a":...1}} or arrays [[[...]]]. Built as text, never by recursion. */
export const deepJsonText = (depth: number, kind: "object" | "array" = "object") =>
  kind === "object" ? '{"a":'.repeat(depth) + "1" + "}".repeat(depth) : "[".repeat(depth) + "]".repeat(depth);

/** The same as a value (JSON.parse is iterative in Bun, so this is safe at any depth). */
export const deepJson = (depth: number, kind: "object" | "array" = "object"): any => JSON.parse(deepJsonText(depth, kind));

const varint = (n: number, out: number[]) => {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
};
const varintLength = (n: number) => {
  let len = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
};

/**
 * An EnqueueRequest (queue_name = queue, payload = {"a":{"a":...1}} nested depth Structs) in protobuf binary, written
 * front to back from precomputed lengths: a client library would recurse (and overflow) encoding this itself.
 */
export function deepEnqueueRequest(queue: string, depth: number): Uint8Array {
  // Value(k): k=0 is number_value 1.0; Value(k) = struct_value { fields { key: "a", value: Value(k-1) } }.
  const valueSize = [9];
  const entrySize = [0];
  const structSize = [0];
  for (let k = 1; k < depth; k++) {
    entrySize[k] = 4 + varintLength(valueSize[k - 1]!) + valueSize[k - 1]!;
    structSize[k] = 1 + varintLength(entrySize[k]!) + entrySize[k]!;
    valueSize[k] = 1 + varintLength(structSize[k]!) + structSize[k]!;
  }
  const top = depth - 1;
  const topEntry = 4 + varintLength(valueSize[top]!) + valueSize[top]!;
  const topStruct = 1 + varintLength(topEntry) + topEntry;
  const out: number[] = [0x0a];
  varint(queue.length, out);
  for (const ch of Buffer.from(queue)) out.push(ch);
  out.push(0x12);
  varint(topStruct, out);
  out.push(0x0a);
  varint(topEntry, out);
  out.push(0x0a, 1, 0x61, 0x12);
  varint(valueSize[top]!, out);
  for (let k = top; k >= 1; k--) {
    out.push(0x2a);
    varint(structSize[k]!, out);
    out.push(0x0a);
    varint(entrySize[k]!, out);
    out.push(0x0a, 1, 0x61, 0x12);
    varint(valueSize[k - 1]!, out);
  }
  out.push(0x11, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f); // number_value 1.0
  return Uint8Array.from(out);
}

/** A gRPC length-prefixed message. */
export const grpcFrame = (payload: Uint8Array, compressed = 0, declaredLength = payload.length) => {
  const head = Buffer.alloc(5);
  head[0] = compressed;
  head.writeUInt32BE(declaredLength, 1);
  return Buffer.concat([head, payload]);
};
