import { useEffect, useReducer } from "preact/hooks";

/** The UI's one reactive primitive: a value with subscribers. Components read it through useCell. */
export class Cell<T> {
  private listeners = new Set<() => void>();
  constructor(private value: T) {}

  get(): T {
    return this.value;
  }

  set(value: T): void {
    if (Object.is(value, this.value)) return;
    this.value = value;
    for (const listener of [...this.listeners]) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Re-renders the component whenever the cell changes. */
export function useCell<T>(cell: Cell<T>): T {
  const [, rerender] = useReducer((n: number, _: void) => n + 1, 0);
  useEffect(() => cell.subscribe(() => rerender()), [cell]);
  return cell.get();
}
