import type { Subprocess } from "bun";

/** A Spindle server running as its own OS process (the binary or `bun src/main.ts serve`). */
export interface SpindleProcess {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  /** Every stdout line so far (the three startup lines come first). */
  stdout: string[];
  /** Every stderr line so far. */
  stderr: string[];
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number>;
  /** SIGTERM, then waits for the exit (SIGKILL after 10 s). */
  stop(): Promise<number>;
}

/** Calls onLine for every line of a byte stream (the last one even without a trailing newline). */
export async function forEachLine(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let pending = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      onLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  }
  if (pending) onLine(pending);
}

const collectLines = (stream: ReadableStream<Uint8Array>, into: string[], onLine: (line: string) => void) =>
  forEachLine(stream, (line) => {
    into.push(line);
    onLine(line);
  });

/**
 * Spawns a server and resolves once it has printed its startup lines; PORT defaults to 0 so the OS picks a
 * free port, which the startup line reports. Rejects (with the output) if it exits or is silent for startupMs.
 */
export async function spawnSpindle(cmd: string[], opts: { cwd: string; env: Record<string, string>; startupMs?: number }): Promise<SpindleProcess> {
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", HOST: "127.0.0.1", PORT: "0", GRPC_PORT: "0", ...opts.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  let resolveUrl!: (url: string) => void;
  const urlSeen = new Promise<string>((r) => (resolveUrl = r));
  let listening: string | undefined;
  // Ready once the last of the three startup lines (listening address, database, mode) is out.
  // With JSON_LOGS=true the three are one JSON event carrying url and mode.
  const outDone = collectLines(proc.stdout, stdout, (line) => {
    const event = line.startsWith("{") ? (JSON.parse(line) as { msg?: string; mode?: string }) : undefined;
    const m = /^spindle \S+ listening on (http:\/\/\S+)/.exec(event?.msg ?? line);
    if (m) listening = m[1]!.replace("[::]", "127.0.0.1").replace("0.0.0.0", "127.0.0.1");
    if (listening && (line.startsWith("mode: ") || event?.mode)) resolveUrl(listening);
  });
  const errDone = collectLines(proc.stderr, stderr, () => {});
  const exited = proc.exited.then(async (code) => {
    await Promise.all([outDone, errDone]).catch(() => {});
    return code;
  });
  const output = () => `stdout:\n${stdout.join("\n")}\nstderr:\n${stderr.join("\n")}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = await Promise.race([
    urlSeen,
    exited.then((code) => Promise.reject(new Error(`${cmd.join(" ")} exited with ${code} before listening\n${output()}`))),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${cmd.join(" ")} did not start within ${opts.startupMs ?? 60_000} ms\n${output()}`)), opts.startupMs ?? 60_000);
    }),
  ]).catch((err) => {
    proc.kill("SIGKILL");
    throw err;
  }).finally(() => clearTimeout(timer));

  return {
    proc,
    url,
    stdout,
    stderr,
    exited,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill("SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}
