import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { create, fromBinary, isMessage, toBinary, type DescMessage, type DescMethod, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError, createHandlerContext } from "@connectrpc/connect";
import { toConnectError } from "../errors";
import { FrameReader, frameOf, type Frame } from "./frames";
import { inflate } from "./compression";
import { MessageQueue } from "./message-queue";
import { GrpcReply } from "./reply";
import type { ServedMethod } from "./methods";

export interface CallLimits {
  /** Largest request message, compressed or not. */
  maxBytes: number;
  /** Message nesting the decoder allows. */
  recursionLimit: number;
  /** Refuses a decoded request message (throws a ConnectError), the way the Connect mount's interceptors do. */
  checkRequest: (desc: DescMessage, message: Message) => void;
}

/** Unread request messages of a bidi stream beyond which reading pauses. */
const STREAM_HIGH_WATER = 32;

const TIMEOUT_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000_001 };

/** `grpc-timeout` ("100m", "5S", ...) in milliseconds; undefined when absent. */
export function timeoutOf(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(header);
  if (!m) throw new ConnectError(`protocol error: invalid grpc timeout value: ${header}`, Code.InvalidArgument);
  return Number(m[1]) * TIMEOUT_UNITS[m[2]!]!;
}

function metadataOf(headers: IncomingHttpHeaders): Headers {
  const metadata = new Headers();
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ":" pseudo-header */) continue;
    const value = headers[name];
    if (Array.isArray(value)) for (const v of value) metadata.append(name, v);
    else if (value !== undefined) metadata.set(name, value);
  }
  return metadata;
}

function encoded(method: DescMethod, out: unknown): Buffer {
  const message = isMessage(out as Message, method.output) ? (out as Message) : create(method.output, out as never);
  return frameOf(toBinary(method.output, message));
}

/**
 * Serves one gRPC call straight on its HTTP/2 stream: frames in, the method's implementation, frames and trailers
 * out. Same service objects, limits and statuses as the Connect adapter, without its per-message plumbing (it cost
 * three times the CPU of the call itself on Bun: docs/benchmarks.md).
 */
export function serveGrpcCall(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, served: ServedMethod | undefined, limits: CallLimits): void {
  const reply = new GrpcReply(stream);
  stream.on("error", () => {});
  if (!served || headers[":method"] !== "POST") {
    stream.resume();
    return reply.finish(new ConnectError("Method not found", Code.Unimplemented));
  }
  let timeoutMs: number | undefined;
  try {
    timeoutMs = timeoutOf(headers["grpc-timeout"] as string | undefined);
  } catch (err) {
    stream.resume();
    return reply.finish(err as ConnectError);
  }
  const { service, method, impl } = served;
  const cancel = new AbortController();
  const ctx = createHandlerContext({
    service,
    method,
    protocolName: "grpc",
    requestMethod: "POST",
    url: `http://${headers[":authority"] ?? "localhost"}${headers[":path"]}`,
    timeoutMs,
    requestSignal: cancel.signal,
    requestHeader: metadataOf(headers),
  });
  reply.extraHeader = ctx.responseHeader;
  reply.extraTrailer = ctx.responseTrailer;
  ctx.signal.addEventListener("abort", () => {
    const reason = ctx.signal.reason;
    if (reason instanceof ConnectError && reason.code === Code.DeadlineExceeded) reply.finish(reason);
  });
  // A reset, a closed connection or the reply's end: whatever the handler still waits on is cancelled.
  stream.on("close", () => {
    cancel.abort(new ConnectError("the call was cancelled", Code.Canceled));
    ctx.abort();
  });

  const encoding = headers["grpc-encoding"] as string | undefined;
  const decode = (frame: Frame): Message => {
    const bytes = frame.compressed ? inflate(encoding, frame.bytes, limits.maxBytes) : frame.bytes;
    let message: Message;
    try {
      message = fromBinary(method.input, bytes, { readUnknownFields: true, recursionLimit: limits.recursionLimit });
    } catch (err) {
      throw new ConnectError(`parse binary: ${(err as Error).message}`, Code.InvalidArgument);
    }
    limits.checkRequest(method.input, message);
    return message;
  };
  const fail = (err: unknown) => reply.finish(toConnectError(err));
  const reader = new FrameReader(limits.maxBytes);

  /** Runs the implementation and writes what it answers; any failure, synchronous or not, becomes the status. */
  const respond = async (input: unknown) => {
    try {
      const output = impl(input, ctx);
      if (method.methodKind === "unary") {
        const out = await output;
        if (!reply.finished) await reply.send(encoded(method, out));
      } else {
        for await (const out of output as AsyncIterable<unknown>) {
          if (reply.finished) break;
          await reply.send(encoded(method, out));
        }
      }
      reply.finish();
    } catch (err) {
      fail(err);
    }
  };

  if (method.methodKind === "unary" || method.methodKind === "server_streaming") {
    const frames: Frame[] = [];
    let refused = false;
    stream.on("data", (chunk: Buffer) => {
      if (refused) return;
      try {
        for (const f of reader.push(chunk)) frames.push(f);
      } catch (err) {
        refused = true;
        fail(err);
      }
    });
    stream.on("end", () => {
      if (refused || reply.finished) return;
      let input: Message;
      try {
        reader.end();
        if (frames.length !== 1) {
          throw new ConnectError(`protocol error: expected one request message, got ${frames.length}`, Code.InvalidArgument);
        }
        input = decode(frames[0]!);
      } catch (err) {
        return fail(err);
      }
      void respond(input);
    });
    return;
  }

  // Client messages of a bidi (or client-streaming) call reach the handler as they arrive.
  const requests = new MessageQueue<Message>(STREAM_HIGH_WATER, (wanted) => (wanted ? stream.resume() : stream.pause()));
  let refused = false;
  stream.on("data", (chunk: Buffer) => {
    if (refused) return;
    try {
      for (const f of reader.push(chunk)) requests.push(decode(f));
    } catch (err) {
      refused = true;
      requests.end(err);
    }
  });
  stream.on("end", () => {
    try {
      reader.end();
      requests.end();
    } catch (err) {
      requests.end(err);
    }
  });
  stream.on("close", () => requests.end());
  void respond(requests);
}
