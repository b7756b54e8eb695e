import { queueAdmits } from "./fair-share";

/**
 * The calls of one account that wait: for its rate budget to refill or for one of its connection slots. One
 * bound covers both, so that a burst queues at most `max` calls per account, however it splits between the two;
 * past it a call fails at once (`overloaded()`, UPSTREAM_OVERLOADED) instead of piling up memory and latency.
 */
export class WaitQueue {
  private waiting = 0;

  /**
   * @param max calls that may wait at once; 0: none may wait (a call that would wait fails at once).
   * @param overloaded the error a call gets where the queue is full.
   */
  constructor(
    readonly max: number,
    private readonly overloaded: () => Error,
  ) {
    if (!Number.isInteger(max) || max < 0) throw new RangeError("max must be a non-negative integer");
  }

  get size(): number {
    return this.waiting;
  }

  /** Takes a place, or throws the overloaded error where none is left. Every enter() needs one leave(). */
  enter(): void {
    if (!queueAdmits(this.waiting, this.max)) throw this.overloaded();
    this.waiting++;
  }

  leave(): void {
    if (this.waiting > 0) this.waiting--;
  }
}
