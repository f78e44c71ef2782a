import { Code, ConnectError } from "@connectrpc/connect";

/** One gRPC length-prefixed message: a flag byte (bit 0 = compressed), four length bytes, the bytes. */
export interface Frame {
  compressed: boolean;
  bytes: Uint8Array;
}

const HEADER = 5;

/**
 * Splits the DATA chunks of a request into messages as they arrive. A message announcing more than `maxBytes`
 * is refused from its header alone, before its bytes are buffered.
 */
export class FrameReader {
  private rest: Buffer | null = null;

  constructor(private readonly maxBytes: number) {}

  /** The messages this chunk completes (usually exactly one: a client writes a message per DATA frame). */
  push(chunk: Buffer): Frame[] {
    let buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const frames: Frame[] = [];
    let at = 0;
    while (buf.length - at >= HEADER) {
      const length = buf.readUInt32BE(at + 1);
      if (length > this.maxBytes) {
        throw new ConnectError(`message size ${length} is larger than configured readMaxBytes ${this.maxBytes}`, Code.ResourceExhausted);
      }
      if (buf.length - at < HEADER + length) break;
      frames.push({ compressed: (buf[at]! & 1) === 1, bytes: buf.subarray(at + HEADER, at + HEADER + length) });
      at += HEADER + length;
    }
    this.rest = at === buf.length ? null : buf.subarray(at);
    return frames;
  }

  /** Called when the request ends: bytes of an unfinished message left over are the client's error. */
  end(): void {
    if (this.rest) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  }
}

/** The wire form of one outgoing message (never compressed: identity is valid for every client). */
export function frameOf(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER + bytes.length);
  out[0] = 0;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, HEADER);
  return out;
}
