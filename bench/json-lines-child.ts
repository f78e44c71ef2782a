/** A child process speaking one JSON object per stdout line; `next(pred)` resolves with the first match. */
export function jsonLinesChild(cmd: string[]) {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "inherit" });
  const lines: any[] = [];
  const waiters: [(m: any) => boolean, (m: any) => void][] = [];
  (async () => {
    let buf = "";
    for await (const chunk of proc.stdout as any as AsyncIterable<Uint8Array>) {
      buf += new TextDecoder().decode(chunk);
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        lines.push(msg);
        for (const [pred, resolve] of waiters.splice(0)) (pred(msg) ? resolve(msg) : waiters.push([pred, resolve]));
      }
    }
  })();
  return {
    proc,
    next: (pred: (m: any) => boolean) => new Promise<any>((resolve) => {
      const hit = lines.find(pred);
      if (hit) resolve(hit);
      else waiters.push([pred, resolve]);
    }),
  };
}
