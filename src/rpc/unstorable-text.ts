import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { findUnstorableText, isStorableText } from "../domain/validate";

/**
 * The gRPC edge's twin of REST's body check (src/domain/validate.ts): a string PostgreSQL cannot store (NUL, or an
 * unpaired surrogate) in any field of a request is INVALID_ARGUMENT naming the field, before a handler runs.
 * Struct fields are JSON and walked iteratively; map fields are checked key by key.
 */
function unstorableField(desc: DescMessage, message: Message): string | undefined {
  const record = message as unknown as Record<string, unknown>;
  for (const field of desc.fields) {
    const value = record[field.localName];
    if (typeof value === "string") {
      if (!isStorableText(value)) return field.name;
    } else if (field.fieldKind === "map" && value && typeof value === "object") {
      const bad = findUnstorableText(value);
      if (bad) return `${field.name}.${bad}`;
    } else if (field.fieldKind === "message" && field.message.typeName === "google.protobuf.Struct" && value) {
      const bad = findUnstorableText(value);
      if (bad) return bad === "body" ? field.name : `${field.name}.${bad}`;
    } else if (field.fieldKind === "list" && Array.isArray(value) && value.some((v) => typeof v === "string" && !isStorableText(v))) {
      return field.name;
    }
  }
  return undefined;
}

/** Throws INVALID_ARGUMENT naming the first field of a request message that PostgreSQL could not store. */
export function rejectUnstorableRequest(desc: DescMessage, message: Message): void {
  const field = unstorableField(desc, message);
  if (field) throw new ConnectError(`${field} must not contain NUL characters or unpaired surrogates`, Code.InvalidArgument);
}

async function* checkedStream(desc: DescMessage, messages: AsyncIterable<Message>): AsyncIterable<Message> {
  for await (const m of messages) {
    rejectUnstorableRequest(desc, m);
    yield m;
  }
}

export const rejectUnstorableText: Interceptor = (next) => async (req) => {
  const desc = req.method.input;
  if (req.stream) return next({ ...req, message: checkedStream(desc, req.message) } as typeof req);
  rejectUnstorableRequest(desc, req.message);
  return next(req);
};
