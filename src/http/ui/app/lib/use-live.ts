import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";
import { onLiveEvent, type LiveEvent } from "./live";

export interface LiveData<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads data and loads it again when a matching live event arrives (at most every `settleMs`, so a burst of
 * events costs one request), after a stream reconnect, and every `pollMs` as a safety net for things that change
 * without an event (ages, next runs). Answers that arrive out of order are dropped.
 */
export function useLive<T>(load: () => Promise<T>, deps: unknown[], opts: { match?: (e: LiveEvent) => boolean; pollMs?: number; settleMs?: number } = {}): LiveData<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const matchRef = useRef(opts.match);
  matchRef.current = opts.match;
  const control = useRef<{ run: () => void }>({ run: () => {} });

  useEffect(() => {
    let alive = true;
    let seq = 0;
    let inFlight = false;
    let again = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState((s) => ({ ...s, loading: true }));

    const run = async () => {
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      const mine = ++seq;
      try {
        const data = await loadRef.current();
        if (alive && mine === seq) setState({ data, loading: false });
      } catch (err) {
        const error = err instanceof ApiError ? err : new ApiError(0, "CLIENT", (err as Error).message);
        if (alive && mine === seq) setState((s) => ({ data: s.data, error, loading: false }));
      } finally {
        inFlight = false;
        if (again && alive) {
          again = false;
          void run();
        }
      }
    };
    const soon = () => {
      if (timer === undefined) {
        timer = setTimeout(() => {
          timer = undefined;
          void run();
        }, opts.settleMs ?? 250);
      }
    };
    control.current = { run: () => void run() };
    void run();
    const off = onLiveEvent((e) => {
      if (e.type === "resync" || (matchRef.current ? matchRef.current(e) : true)) soon();
    });
    const poll = setInterval(() => void run(), opts.pollMs ?? 15_000);
    return () => {
      alive = false;
      off();
      clearInterval(poll);
      clearTimeout(timer);
    };
  }, deps);

  return { ...state, reload: () => control.current.run() };
}
