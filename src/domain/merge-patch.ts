/**
 * JSON Merge Patch (RFC 7386): members of the patch replace those of the target, `null` removes a member, and a
 * patch that is not an object replaces the target whole. Results are built on null-prototype objects so that a
 * member named "__proto__" is copied as data, never as a prototype.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = Object.create(null);
  if (isPlainObject(target)) for (const [k, v] of Object.entries(target)) result[k] = v;
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = applyMergePatch(result[k], v);
  }
  return result;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
