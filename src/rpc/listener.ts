import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { RpcNode } from "./node";
import { rpcCallLimits, rpcHandlerOptions, rpcRoutes, rpcServices } from "./routes";
import { useSpecGrpcMessages } from "./grpc-message";
import { methodTable } from "./h2/methods";
import { serveGrpcCall } from "./h2/call";

export interface GrpcListener {
  /** The bound port (differs from the configured one when that was 0). */
  port: number;
  addresses: string[];
  close(): Promise<void>;
}

/**
 * Where to bind for a configured host: "::" is one dual-stack socket; a loopback name gets both loopbacks,
 * because clients resolve "localhost" to either 127.0.0.1 or ::1.
 */
export function bindAddresses(host: string): string[] {
  if (host === "::" || host === "") return ["::"];
  if (host === "127.0.0.1" || host === "::1" || host === "localhost") return ["127.0.0.1", "::1"];
  return [host];
}

const isGrpc = (contentType: string | undefined) => !!contentType && /^application\/grpc(\+|;|$)/.test(contentType);
/** Binary gRPC, what grpc-js and every gRPC SDK send: served directly on the HTTP/2 stream (src/rpc/h2). */
const isBinaryGrpc = (contentType: string | undefined) => !!contentType && /^application\/grpc(\+proto)?(;|$)/.test(contentType);

/**
 * Plaintext HTTP/2 (h2c, prior knowledge) serving gRPC, gRPC-web and Connect for the spooled.v1 services. Binary
 * gRPC goes straight to the services (src/rpc/h2); gRPC-web, Connect and gRPC+JSON through connect-node's adapter.
 */
export async function listenGrpc(node: RpcNode, host: string, port: number): Promise<GrpcListener> {
  const methods = methodTable(rpcServices(node));
  const limits = rpcCallLimits(node.engine.config);
  const adapter = connectNodeAdapter({
    routes: rpcRoutes(node),
    grpc: true,
    grpcWeb: true,
    connect: true,
    ...rpcHandlerOptions(node.engine.config),
    // An unknown method is UNIMPLEMENTED for gRPC callers, a 404 for everyone else. The status goes in real
    // trailers: grpc-js read a headers-only reply from Bun's HTTP/2 server as "ended without gRPC status".
    fallback: (req, res) => {
      if (isGrpc(req.headers["content-type"])) {
        res.writeHead(200, { "content-type": "application/grpc" });
        res.addTrailers({ "grpc-status": "12", "grpc-message": "Method not found" });
      } else {
        res.writeHead(404, { "content-type": "text/plain" });
      }
      res.end();
    },
  });

  const sessions = new Set<http2.ServerHttp2Session>();
  const servers: http2.Http2Server[] = [];
  const addresses: string[] = [];
  let boundPort = port;
  for (const address of bindAddresses(host)) {
    const server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
    server.on("stream", (stream: http2.ServerHttp2Stream, headers, _flags, rawHeaders) => {
      if (isBinaryGrpc(headers["content-type"])) return serveGrpcCall(stream, headers, methods.get(headers[":path"] ?? ""), limits);
      const req = new http2.Http2ServerRequest(stream, headers, {}, rawHeaders);
      const res = new http2.Http2ServerResponse(stream);
      useSpecGrpcMessages(res);
      adapter(req, res);
    });
    // A broken peer (garbage bytes, bad frames) costs its own session only; it must never reach the process.
    server.on("session", (session) => {
      sessions.add(session);
      session.on("error", () => {});
      session.on("close", () => sessions.delete(session));
    });
    server.on("sessionError", () => {});
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: address, port: boundPort, ipv6Only: false }, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (err) {
      // A second loopback that this machine lacks (no IPv6) is not fatal; the first address is.
      if (servers.length === 0) throw err;
      console.warn(`[grpc] could not also listen on ${address}: ${(err as Error).message}`);
      continue;
    }
    server.on("error", (err) => console.error("[grpc] server error:", err));
    boundPort = (server.address() as AddressInfo).port;
    servers.push(server);
    addresses.push(address);
  }

  return {
    port: boundPort,
    addresses,
    async close() {
      for (const s of sessions) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
