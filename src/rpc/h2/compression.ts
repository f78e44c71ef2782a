import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { Code, ConnectError } from "@connectrpc/connect";

/** What we accept in `grpc-encoding` (and announce in `grpc-accept-encoding`); replies are never compressed. */
export const ACCEPTED_ENCODINGS = "gzip,br";

type Inflate = (bytes: Uint8Array, maxBytes: number) => Uint8Array;

const INFLATERS: Record<string, Inflate> = {
  gzip: (bytes, maxOutputLength) => gunzipSync(bytes, { maxOutputLength }),
  br: (bytes, maxOutputLength) => brotliDecompressSync(bytes, { maxOutputLength }),
};

/**
 * The bytes of a message flagged as compressed, under the request's `grpc-encoding`. Unknown or absent encodings
 * are UNIMPLEMENTED (gRPC spec, "Compression"); output beyond the read limit is RESOURCE_EXHAUSTED.
 */
export function inflate(encoding: string | undefined, bytes: Uint8Array, maxBytes: number): Uint8Array {
  const inflater = encoding ? INFLATERS[encoding] : undefined;
  if (!inflater) throw new ConnectError("received compressed envelope, but do not know how to decompress", Code.Unimplemented);
  try {
    return inflater(bytes, maxBytes);
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new ConnectError(`decompressed message exceeds the limit of ${maxBytes} bytes`, Code.ResourceExhausted);
    }
    throw new ConnectError(`message does not decompress as ${encoding}`, Code.InvalidArgument);
  }
}
