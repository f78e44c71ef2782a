import type { Http2ServerResponse, OutgoingHttpHeaders } from "node:http2";

/**
 * connect-es writes `grpc-message` with encodeURIComponent, but the gRPC spec percent-encodes only bytes outside
 * printable ASCII and "%"; grpc-js then decodes with decodeURI, which leaves ":" "," "/" ... as "%3A" "%2C".
 * Re-encoding to the spec's form makes every message read back exactly, in any client.
 */
export function specEncodeGrpcMessage(encoded: string): string {
  let text: string;
  try {
    text = decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
  return specGrpcMessage(text);
}

/** A status message in the spec's percent-encoding (printable ASCII but "%" as is, every other byte escaped). */
export function specGrpcMessage(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

function fixHeaders(headers: OutgoingHttpHeaders | undefined): void {
  const value = headers?.["grpc-message"];
  if (headers && typeof value === "string") headers["grpc-message"] = specEncodeGrpcMessage(value);
}

/** Rewrites grpc-message wherever it is written: in trailers, or in the headers of a trailers-only response. */
export function useSpecGrpcMessages(res: Http2ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: any[]) => Http2ServerResponse;
  res.writeHead = ((status: number, ...rest: any[]) => {
    for (const arg of rest) if (arg && typeof arg === "object" && !Array.isArray(arg)) fixHeaders(arg);
    return writeHead(status, ...rest);
  }) as typeof res.writeHead;
  const addTrailers = res.addTrailers.bind(res);
  res.addTrailers = (trailers) => {
    fixHeaders(trailers as OutgoingHttpHeaders);
    addTrailers(trailers);
  };
}
