/** Polls `read` until `done` holds (for work the server does on its own clock); throws after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 20_000, pollMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > until) throw new Error(`condition not reached in ${timeoutMs} ms; last value ${JSON.stringify(v)?.slice(0, 500)}`);
    await Bun.sleep(pollMs);
  }
}
