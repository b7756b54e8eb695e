import type { TimeWindow } from "../providers/provider";

const SECOND = 1000;

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
