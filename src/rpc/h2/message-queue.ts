/**
 * The request messages of a streaming call as an async iterable. `onDemand` lets the transport pause reading while
 * `highWater` messages wait unread, so a client that outpaces the handler is slowed by HTTP/2 flow control.
 */
export class MessageQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private ended = false;
  private failure: unknown;
  private waiter: (() => void) | undefined;

  constructor(private readonly highWater: number, private readonly onDemand: (wanted: boolean) => void) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length >= this.highWater) this.onDemand(false);
    this.wake();
  }

  end(failure?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        const item = this.items.shift()!;
        if (this.items.length === this.highWater - 1) this.onDemand(true);
        yield item;
        continue;
      }
      if (this.ended) {
        if (this.failure !== undefined) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }
}
