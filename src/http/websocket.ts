import type { Context } from "hono";
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";

/** What one upgraded connection does; each route that upgrades brings its own. */
export interface SocketSession {
  open(ws: ServerWebSocket<SocketData>): void;
  message(ws: ServerWebSocket<SocketData>, message: string | Buffer): void;
  close(ws: ServerWebSocket<SocketData>, code: number, reason: string): void;
  drain?(ws: ServerWebSocket<SocketData>): void;
}

export type SocketData = { session: SocketSession };

/**
 * Bun.serve takes a single WebSocket handler for the whole server; this one hands every callback to the session
 * the upgrading route attached, so any feature can serve WebSockets on the REST listener.
 */
export const websocketHandler: WebSocketHandler<SocketData> = {
  open: (ws) => ws.data.session.open(ws),
  message: (ws, message) => ws.data.session.message(ws, message),
  close: (ws, code, reason) => ws.data.session.close(ws, code, reason),
  drain: (ws) => ws.data.session.drain?.(ws),
};

/** Switches protocols to a WebSocket served by `session`; undefined when the request cannot be upgraded. */
export function upgradeToWebSocket(c: Context, session: SocketSession): Response | undefined {
  const server = c.env as Server<SocketData> | undefined;
  if (!server || typeof server.upgrade !== "function") return undefined;
  // Bun answers the upgrade itself; the returned response is ignored.
  return server.upgrade(c.req.raw, { data: { session } }) ? new Response(null) : undefined;
}
