import { Cell } from "./cell";
import { credential, logOut } from "./session";

/** One event of the organization's stream (docs/realtime.md): {type, data}. `resync` is ours: "you may have missed some". */
export interface LiveEvent {
  type: string;
  data: Record<string, any>;
}

export type LiveState = "connecting" | "live" | "reconnecting";
export const liveState = new Cell<LiveState>("connecting");

const listeners = new Set<(e: LiveEvent) => void>();

export function onLiveEvent(listener: (e: LiveEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(e: LiveEvent) {
  for (const l of [...listeners]) l(e);
}

/** Splits an SSE text stream into messages; returns what is left of an unfinished one. */
function parseMessages(buffer: string, onMessage: (data: string, id: string | undefined) => void): string {
  let end: number;
  while ((end = buffer.indexOf("\n\n")) >= 0) {
    const block = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    let data = "";
    let id: string | undefined;
    for (const line of block.split("\n")) {
      if (line.startsWith("data:")) data += (data ? "\n" : "") + line.slice(line.startsWith("data: ") ? 6 : 5);
      else if (line.startsWith("id:")) id = line.slice(3).trim();
    }
    if (data || id) onMessage(data, id);
  }
  return buffer;
}

/**
 * Follows GET /api/v1/events with fetch (not EventSource) so the credential travels in the Authorization header,
 * never in a URL. Reconnects with Last-Event-ID after a drop, with a growing pause, and tells listeners to resync.
 */
export function startLive(): () => void {
  let stopped = false;
  let abort: AbortController | undefined;
  let lastId: string | undefined;

  (async () => {
    let pause = 500;
    let first = true;
    while (!stopped) {
      abort = new AbortController();
      try {
        const headers: Record<string, string> = { accept: "text/event-stream", authorization: `Bearer ${credential.get()}` };
        if (lastId) headers["last-event-id"] = lastId;
        const res = await fetch("/api/v1/events", { headers, signal: abort.signal });
        if (res.status === 401) {
          logOut();
          return;
        }
        if (!res.ok || !res.body) throw new Error(`events stream answered ${res.status}`);
        liveState.set("live");
        if (!first) emit({ type: "resync", data: {} });
        first = false;
        pause = 500;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer = parseMessages(buffer + value, (data, id) => {
            if (id) lastId = id;
            if (!data) return;
            try {
              emit(JSON.parse(data) as LiveEvent);
            } catch {}
          });
        }
      } catch {}
      if (stopped) return;
      liveState.set("reconnecting");
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 10_000);
    }
  })();

  return () => {
    stopped = true;
    abort?.abort();
    liveState.set("connecting");
  };
}

/** Event families, for pages that refresh on some of them. */
export const isJobEvent = (e: LiveEvent) => /^(Job|job\.)/.test(e.type);
export const isWorkerEvent = (e: LiveEvent) => /^(Worker|worker\.)/.test(e.type);
export const isQueueEvent = (e: LiveEvent) => e.type.startsWith("queue.");
