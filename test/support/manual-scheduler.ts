import type { ScheduledTimer, Scheduler } from "../../src/subscriptions/scheduler";

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
  cancelled: boolean;
}

/**
 * An offset that puts a clock off every poll grid: not a multiple of a second, so of no poll step nor interval
 * (all multiples of 5 s or more) nor of any Retry-After (whole seconds). A test whose clock starts at a round
 * time would pass where polls happen to be aligned already, and hide a wait cut short by the alignment.
 */
export const OFF_GRID_MS = 7_777;

/** `ms` moved off every poll grid by the same offset (OFF_GRID_MS), whatever its phase: deterministic. */
export function offGrid(ms: number): number {
  return Math.floor(ms / 60_000) * 60_000 + OFF_GRID_MS;
}

/**
 * A Scheduler whose time moves only when a test says so: advance() runs the timers that come due, in order of
 * their due time. No real time passes; what the timers start (a poll: a promise) settles on the test's awaits.
 * It starts off the poll grids (OFF_GRID_MS) unless told otherwise.
 */
export class ManualScheduler implements Scheduler {
  private pending: Pending[] = [];
  private seq = 0;

  constructor(private time = Date.UTC(2026, 0, 1) + OFF_GRID_MS) {}

  now(): number {
    return this.time;
  }

  setTimer(run: () => void, ms: number): ScheduledTimer {
    const entry: Pending = { at: this.time + Math.max(0, ms), seq: this.seq++, run, cancelled: false };
    this.pending.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Timers not cancelled and not yet run. */
  get timers(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }

  /** Milliseconds until the next live timer is due, or null where none is pending. */
  get nextDueIn(): number | null {
    const next = this.live()[0];
    return next === undefined ? null : next.at - this.time;
  }

  /** Moves time forward by `ms`, running every timer due on the way (at its due time), in order. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const next = this.live()[0];
      if (next === undefined || next.at > until) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.time = Math.max(this.time, next.at);
      next.run();
    }
    this.time = until;
  }

  /** Moves time to the next live timer and runs it (and any other due then); false where none is pending. */
  runNext(): boolean {
    const due = this.nextDueIn;
    if (due === null) return false;
    this.advance(due);
    return true;
  }

  private live(): Pending[] {
    this.pending = this.pending.filter((p) => !p.cancelled);
    return [...this.pending].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}
