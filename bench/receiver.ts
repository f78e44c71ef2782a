// Starts the shared webhook receiver of the peer benchmark (../shared/bench/peers/receiver.mjs) in its own process.
import { existsSync } from "node:fs";
import { forEachLine } from "../tests/helpers/process";

const RECEIVER = process.env.BENCH_RECEIVER ?? "/work/shared/bench/peers/receiver.mjs";

export interface Receiver {
  port: number;
  /** Resolves with the receiver's stats once every expected id was acknowledged. */
  done: Promise<{ done_at: number; [k: string]: unknown }>;
  /** Stops the receiver and returns its final stats. */
  stats(): Promise<{ duplicates: number; requests: number; failed_first_attempts: number }>;
  close(): void;
}

export async function startReceiver(expected: number): Promise<Receiver> {
  if (!existsSync(RECEIVER)) throw new Error(`webhook receiver not found at ${RECEIVER} (set BENCH_RECEIVER)`);
  const runtime = Bun.which("node") ?? process.execPath;
  const proc = Bun.spawn([runtime, RECEIVER, String(expected)], { stdout: "pipe", stderr: "inherit", stdin: "ignore" });
  const waiters: Record<string, (v: any) => void> = {};
  const seen: Record<string, any> = {};
  const next = (key: string) => (key in seen ? Promise.resolve(seen[key]) : new Promise<any>((r) => (waiters[key] = r)));
  void forEachLine(proc.stdout, (line) => {
    for (const [key, value] of Object.entries(JSON.parse(line))) {
      seen[key] = value;
      waiters[key]?.(value);
    }
  });
  return {
    port: await next("port"),
    done: next("done"),
    async stats() {
      proc.kill("SIGTERM");
      return next("stats");
    },
    close: () => proc.kill(),
  };
}
