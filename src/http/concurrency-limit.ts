import type { WaitQueue } from "./wait-queue";

export interface RunOptions {
  /** Aborting it takes a waiting task out of the line at once: it never starts (the promise rejects). */
  readonly signal?: AbortSignal | undefined;
  /** Bounds how many tasks may wait: a task that would wait past it is refused with the queue's error. */
  readonly queue?: WaitQueue | undefined;
}

/**
 * At most `max` tasks at once; the rest wait in arrival order. One per provider account, shared by every
 * request the process serves, so a burst of lookups cannot open more upstream calls than the account allows.
 */
export class ConcurrencyLimit {
  private active = 0;
  /** Each waiter's start: hands it the slot. */
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError("max must be a positive integer");
  }

  async run<T>(task: () => Promise<T>, options: RunOptions = {}): Promise<T> {
    const { signal, queue } = options;
    signal?.throwIfAborted();
    if (this.active < this.max) this.active++;
    else await this.wait(signal, queue);
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so that a newcomer cannot overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Resolves once a slot is handed over; rejects where the queue is full or the signal aborts first. */
  private wait(signal: AbortSignal | undefined, queue: WaitQueue | undefined): Promise<void> {
    queue?.enter();
    return new Promise<void>((resolve, reject) => {
      const start = (): void => {
        signal?.removeEventListener("abort", onAbort);
        queue?.leave();
        resolve();
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(start);
        if (i !== -1) this.waiting.splice(i, 1);
        queue?.leave();
        const reason: unknown = signal?.reason;
        reject(
          reason instanceof Error ? reason : new DOMException("This operation was aborted", "AbortError"),
        );
      };
      this.waiting.push(start);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
