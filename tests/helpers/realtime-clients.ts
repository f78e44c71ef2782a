import net from "node:net";

/** Real-time clients for tests: an SSE reader over fetch streaming, and a WebSocket with awaitable messages. */

/** Something that receives items over time and can be waited on until a condition holds. */
class Receiver {
  private waiters: (() => void)[] = [];

  protected notify() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once done() holds; rejects after timeoutMs, or when over() says no more will come. */
  protected async waitFor(done: () => boolean, over: () => string | undefined, describe: () => string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const why = over();
      if (why) throw new Error(`${why} before the condition held; got ${describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`condition not met in ${timeoutMs} ms; got ${describe()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

export interface SseMessage {
  id?: string;
  data: string;
  /** The parsed event object ({type, data}). */
  event: any;
}

/** Reads a `text/event-stream` response frame by frame, the way EventSource does (unnamed messages only). */
export class SseReader extends Receiver {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  /** The last id the stream set: what an EventSource would send back as Last-Event-ID. */
  lastEventId: string | undefined;
  ended = false;
  private abort = new AbortController();

  private constructor(readonly response: Response) {
    super();
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: abort.signal });
    const reader = new SseReader(res);
    reader.abort = abort;
    if (res.ok && res.body) void reader.pump(res.body);
    else reader.ended = true;
    return reader;
  }

  /** Opens the stream without reading it (a stalled client). */
  static async openPaused(url: string, headers: Record<string, string> = {}): Promise<{ response: Response; resume: () => SseReader }> {
    const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers } });
    return {
      response: res,
      resume: () => {
        const reader = new SseReader(res);
        void reader.pump(res.body!);
        return reader;
      },
    };
  }

  private async pump(body: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      const reader = body.getReader();
      for (;;) {
        const { value: chunk, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          this.frame(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
        this.notify();
      }
    } catch {}
    this.ended = true;
    this.notify();
  }

  private frame(text: string) {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of text.split("\n")) {
      if (line.startsWith(":")) this.comments.push(line.slice(1).trim());
      else if (line.startsWith("id:")) id = line.slice(3).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      else if (line.startsWith("event:")) throw new Error(`named event sent: ${line}`);
    }
    if (id !== undefined) this.lastEventId = id;
    if (data.length === 0) return;
    const joined = data.join("\n");
    this.messages.push({ id, data: joined, event: JSON.parse(joined) });
  }

  /** Resolves when `done(messages)` holds; rejects after timeoutMs or when the stream ends first. */
  async until(done: (messages: SseMessage[]) => boolean, timeoutMs = 30_000): Promise<SseMessage[]> {
    const types = () => this.messages.map((m) => m.event.type).join(",");
    await this.waitFor(() => done(this.messages), () => (this.ended ? "stream ended" : undefined), types, timeoutMs);
    return this.messages;
  }

  async untilEnded(timeoutMs = 30_000): Promise<SseMessage[]> {
    await this.waitFor(() => this.ended, () => undefined, () => `${this.messages.length} messages`, timeoutMs);
    return this.messages;
  }

  /** Events (parsed) about one job. */
  forJob(jobId: string): any[] {
    return this.messages.map((m) => m.event).filter((e) => e.data?.job_id === jobId);
  }

  close() {
    this.abort.abort();
  }
}

/** A WebSocket whose received events can be awaited. */
export class WsReader extends Receiver {
  readonly events: any[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly socket: WebSocket) {
    super();
    socket.addEventListener("message", (m) => {
      this.events.push(JSON.parse(String(m.data)));
      this.notify();
    });
    socket.addEventListener("close", (c) => {
      this.closed = { code: c.code, reason: c.reason };
      this.notify();
    });
  }

  static open(url: string): Promise<WsReader> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const reader = new WsReader(socket);
      socket.addEventListener("open", () => resolve(reader), { once: true });
      socket.addEventListener("error", () => reject(new Error("websocket failed to open")), { once: true });
    });
  }

  send(command: unknown) {
    this.socket.send(JSON.stringify(command));
  }

  async until(done: (events: any[]) => boolean, timeoutMs = 30_000): Promise<any[]> {
    const over = () => (this.closed ? `socket closed (${this.closed.code})` : undefined);
    await this.waitFor(() => done(this.events), over, () => this.events.map((e) => e.type).join(","), timeoutMs);
    return this.events;
  }

  close() {
    this.socket.close(1000, "Client disconnect");
  }
}

/**
 * A WebSocket client that completes the handshake over a raw socket and then stops reading (a stalled consumer);
 * `resume()` reads everything the server sent until it closed, as text frames and the close frame.
 */
export async function openStalledWebSocket(host: string, port: number, path: string) {
  const socket = net.connect(port, host);
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let received = Buffer.alloc(0);
  const collect = (d: Buffer) => (received = Buffer.concat([received, d]));
  socket.on("data", collect);
  while (!received.includes("\r\n\r\n")) await new Promise((r) => socket.once("data", r));
  socket.pause();
  const status = received.subarray(0, received.indexOf("\r\n")).toString();
  return {
    status,
    async resume(): Promise<{ texts: string[]; close?: { code: number; reason: string } }> {
      const closed = new Promise((r) => socket.once("close", r));
      socket.resume();
      await closed;
      const frames = received.subarray(received.indexOf("\r\n\r\n") + 4);
      const texts: string[] = [];
      let close: { code: number; reason: string } | undefined;
      for (let at = 0; at + 2 <= frames.length; ) {
        const opcode = frames[at]! & 0x0f;
        let length = frames[at + 1]! & 0x7f;
        let start = at + 2;
        if (length === 126) (length = frames.readUInt16BE(start)), (start += 2);
        else if (length === 127) (length = Number(frames.readBigUInt64BE(start))), (start += 8);
        const payload = frames.subarray(start, start + length);
        if (opcode === 1) texts.push(payload.toString("utf8"));
        if (opcode === 8) close = { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString("utf8") };
        at = start + length;
      }
      return { texts, close };
    },
  };
}
