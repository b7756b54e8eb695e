/** A timer that can be cancelled; cancelling a timer that has fired does nothing. */
export interface ScheduledTimer {
  cancel(): void;
}

/**
 * The clock and timers of the task pollers, injected so that tests drive polls without sleeping. `now` is wall
 * time (epoch milliseconds): polls are aligned on it so that replicas poll a task at the same instants.
 */
export interface Scheduler {
  now(): number;
  /** Runs `run` once after `ms` milliseconds. */
  setTimer(run: () => void, ms: number): ScheduledTimer;
}

/**
 * Real time. Timers are unref'd: a process whose only work left is a poll waiting for its turn exits (the
 * shutdown path stops the pollers first anyway).
 */
export const REAL_TIME: Scheduler = {
  now: () => Date.now(),
  setTimer(run, ms) {
    const timer = setTimeout(run, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
