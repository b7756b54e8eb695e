import { derivedSeed, SeededRandom } from "./seeded-random";
import { MINUTE, SECOND } from "./time";

/**
 * How the emulators' unfinished seeded tasks move with the clock. Each emulator anchors its data at its start
 * minute; the tasks still waiting or running there follow a schedule drawn from the seed and the task's id:
 * waiting → running → terminal, every instant in whole seconds after the anchor. Their state is a pure
 * function of (seed, anchor, task, instant), so two emulators with the same seed and start minute answer the
 * same for the same `now`, and a task once terminal stays as it is.
 *
 * Nothing changes before the anchor + HOLD_MS: an emulator starts less than a minute after its anchor, so a
 * test on a real or pinned clock has at least two minutes of data exactly as seeded. Every scheduled task is
 * terminal by the anchor + SETTLE_MS, so `npm start` shows tasks finishing within a quarter of an hour.
 */
export const HOLD_MS = 3 * MINUTE;
export const SETTLE_MS = 13 * MINUTE;
/** Waiting tasks without an announced start begin within this long after the hold. */
const START_SPREAD_MS = 2 * MINUTE;
/** The shortest run from the first change to terminal, so that a task shows progress before it ends. */
const MIN_RUN_MS = 2 * MINUTE;

/** When a task unfinished at its emulator's anchor moves; instants in epoch milliseconds. */
export interface LiveTiming {
  /** When a task waiting at the anchor starts running; undefined for one already running there. */
  readonly startsAtMs?: number;
  /** From when its progress rises: startsAtMs, or the hold for a task already running. */
  readonly risesFromMs: number;
  /** When it becomes terminal; nothing about it changes afterwards. */
  readonly terminalAtMs: number;
}

/** The stream of draws for one task's schedule, independent of every other task's and of the seed data's. */
export function scheduleRandom(seed: number, taskId: string): SeededRandom {
  return new SeededRandom(derivedSeed(seed, `live-progress/${taskId}`));
}

/**
 * Draws a task's timing. `startsAtMs` fixes the start of a waiting task whose start the seed already
 * announces (a scheduled start time); otherwise a waiting task starts within two minutes after the hold.
 */
export function drawTiming(
  draw: SeededRandom,
  anchorMs: number,
  state: { readonly waiting: boolean; readonly startsAtMs?: number },
): LiveTiming {
  const holdMs = anchorMs + HOLD_MS;
  const drawnStartMs = holdMs + draw.int(0, START_SPREAD_MS / SECOND) * SECOND;
  const startsAtMs = state.waiting ? Math.max(holdMs, state.startsAtMs ?? drawnStartMs) : undefined;
  const risesFromMs = startsAtMs ?? holdMs;
  const latestMs = Math.max(anchorMs + SETTLE_MS, risesFromMs + MIN_RUN_MS);
  const terminalAtMs =
    risesFromMs + MIN_RUN_MS + draw.int(0, (latestMs - risesFromMs - MIN_RUN_MS) / SECOND) * SECOND;
  return startsAtMs === undefined ? { risesFromMs, terminalAtMs } : { startsAtMs, risesFromMs, terminalAtMs };
}

/**
 * An integer value rising from `from` at `timing.risesFromMs` to `to` at `timing.terminalAtMs`, floored, and
 * `from` before: never decreasing in `atMs` when `to >= from`.
 */
export function rampAt(timing: LiveTiming, from: number, to: number, atMs: number): number {
  if (atMs <= timing.risesFromMs) return from;
  if (atMs >= timing.terminalAtMs) return to;
  const share = (atMs - timing.risesFromMs) / (timing.terminalAtMs - timing.risesFromMs);
  return Math.min(to, from + Math.floor((to - from) * share));
}
