import type { ServerHttp2Stream, OutgoingHttpHeaders } from "node:http2";
import type { ConnectError } from "@connectrpc/connect";
import { specGrpcMessage } from "../grpc-message";
import { ACCEPTED_ENCODINGS } from "./compression";

const copyInto = (target: OutgoingHttpHeaders, extra: Headers | undefined) => extra?.forEach((value, name) => (target[name] = value));

/**
 * The response side of one gRPC call: headers once, then messages, then the status in real trailers. A
 * headers-only ("trailers-only") reply is never used: grpc-js read those from Bun's HTTP/2 server as a stream that
 * ended without a status.
 */
export class GrpcReply {
  finished = false;
  private responded = false;
  /** Headers and trailers a handler set on its context (none of ours do today; kept so any handler can). */
  extraHeader?: Headers;
  extraTrailer?: Headers;

  constructor(private readonly stream: ServerHttp2Stream) {}

  private respond(): void {
    if (this.responded) return;
    this.responded = true;
    const headers: OutgoingHttpHeaders = { ":status": 200, "content-type": "application/grpc", "grpc-accept-encoding": ACCEPTED_ENCODINGS };
    copyInto(headers, this.extraHeader);
    this.stream.respond(headers, { waitForTrailers: true });
  }

  private get gone(): boolean {
    return this.finished || this.stream.destroyed || this.stream.closed;
  }

  /** Writes one framed message; resolves once HTTP/2 flow control lets the next one go (or the stream is gone). */
  send(frame: Buffer): Promise<void> | undefined {
    if (this.gone) return undefined;
    this.respond();
    if (this.stream.write(frame)) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off("drain", done);
        this.stream.off("close", done);
        resolve();
      };
      this.stream.on("drain", done);
      this.stream.on("close", done);
    });
  }

  /** Ends the call with OK, or with the error's status; later calls do nothing. */
  finish(error?: ConnectError): void {
    if (this.gone) {
      this.finished = true;
      return;
    }
    this.finished = true;
    const trailers: OutgoingHttpHeaders = { "grpc-status": String(error?.code ?? 0) };
    if (error?.rawMessage) trailers["grpc-message"] = specGrpcMessage(error.rawMessage);
    copyInto(trailers, this.extraTrailer);
    try {
      this.respond();
      this.stream.once("wantTrailers", () => {
        try {
          this.stream.sendTrailers(trailers);
        } catch {
          // The peer reset the stream between our last write and the trailers: nobody is left to tell.
        }
      });
      this.stream.end();
    } catch {
      // Same: the stream was reset under us.
    }
  }
}
