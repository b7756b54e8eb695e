import type { TimeWindow } from "../providers/provider";

const SECOND = 1000;

/** The window of a query that names no start: the 24 hours before its end. */
export const DEFAULT_WINDOW_MS = 24 * 3600 * 1000;

/** Providers speak whole seconds; windows are floored to them so that a cursor's window round-trips exactly. */
export function floorToSecond(d: Date): Date {
  return new Date(Math.floor(d.getTime() / SECOND) * SECOND);
}

/**
 * Splits [start, end] (inclusive, whole seconds) into consecutive, non-overlapping windows no longer than
 * maxMs, in the provider's chronological order, so that chaining them preserves that order and no row
 * at a boundary is listed twice.
 */
export function splitWindow(window: TimeWindow, maxMs: number, order: "asc" | "desc"): TimeWindow[] {
  const start = window.start.getTime();
  const end = window.end.getTime();
  if (end < start) return [];
  // Each piece spans at most maxMs from its first to its last second.
  const step = Math.max(SECOND, Math.floor(maxMs / SECOND) * SECOND);
  const pieces: TimeWindow[] = [];
  if (order === "asc") {
    for (let s = start; s <= end; s += step) {
      pieces.push({ start: new Date(s), end: new Date(Math.min(end, s + step - SECOND)) });
    }
  } else {
    for (let e = end; e >= start; e -= step) {
      pieces.push({ start: new Date(Math.max(start, e - step + SECOND)), end: new Date(e) });
    }
  }
  return pieces;
}

/**
 * The window a first page resolves to (a cursor carries it from then on). An end in the future is clamped to now,
 * and "now" is floored to `nowStepMs` (at least a second): rows submitted while a client pages would otherwise
 * shift an offset-paged provider's pages under it, and clients asking within one step ask the same window, so
 * their pages can be shared. No start: the DEFAULT_WINDOW_MS before the end.
 */
export function firstPageWindow(
  startTime: Date | null,
  endTime: Date | null,
  now: Date,
  nowStepMs: number,
): TimeWindow {
  const step = Math.max(SECOND, Math.floor(nowStepMs / SECOND) * SECOND);
  const flooredNow = new Date(Math.floor(now.getTime() / step) * step);
  const end =
    endTime === null || endTime.getTime() > flooredNow.getTime() ? flooredNow : floorToSecond(endTime);
  const start = startTime === null ? new Date(end.getTime() - DEFAULT_WINDOW_MS) : floorToSecond(startTime);
  return { start, end };
}
