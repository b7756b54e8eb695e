import { drawTiming, HOLD_MS, rampAt, scheduleRandom, SETTLE_MS } from "../../../src/sandbox/live-progress";

const ANCHOR = Date.parse("2026-03-01T12:00:00Z");
const SECOND = 1000;
const MINUTE = 60 * SECOND;

describe("drawTiming", () => {
  it("starts a waiting task within two minutes after the hold, and ends it by the settle time", () => {
    for (let i = 0; i < 500; i += 1) {
      const timing = drawTiming(scheduleRandom(1, `task-${i}`), ANCHOR, { waiting: true });
      expect(timing.startsAtMs).toBeGreaterThanOrEqual(ANCHOR + HOLD_MS);
      expect(timing.startsAtMs).toBeLessThanOrEqual(ANCHOR + HOLD_MS + 2 * MINUTE);
      expect(timing.risesFromMs).toBe(timing.startsAtMs);
      expect(timing.terminalAtMs).toBeGreaterThanOrEqual(timing.risesFromMs + 2 * MINUTE);
      expect(timing.terminalAtMs).toBeLessThanOrEqual(ANCHOR + SETTLE_MS);
    }
  });

  it("lets a running task rise from the hold, with no start of its own", () => {
    const timing = drawTiming(scheduleRandom(1, "running"), ANCHOR, { waiting: false });
    expect(timing.startsAtMs).toBeUndefined();
    expect(timing.risesFromMs).toBe(ANCHOR + HOLD_MS);
    expect(timing.terminalAtMs).toBeLessThanOrEqual(ANCHOR + SETTLE_MS);
  });

  it("keeps an announced start, but never before the hold", () => {
    const announced = ANCHOR + 5 * MINUTE;
    expect(
      drawTiming(scheduleRandom(1, "a"), ANCHOR, { waiting: true, startsAtMs: announced }).startsAtMs,
    ).toBe(announced);
    expect(
      drawTiming(scheduleRandom(1, "a"), ANCHOR, { waiting: true, startsAtMs: ANCHOR + SECOND }).startsAtMs,
    ).toBe(ANCHOR + HOLD_MS);
  });

  it("puts every instant on a whole second", () => {
    for (let i = 0; i < 100; i += 1) {
      const timing = drawTiming(scheduleRandom(3, `t${i}`), ANCHOR, { waiting: i % 2 === 0 });
      expect([timing.risesFromMs, timing.terminalAtMs].every((ms) => ms % SECOND === 0)).toBe(true);
    }
  });

  it("draws the same timing for the same seed and task, and another for another seed", () => {
    const draw = (seed: number) => drawTiming(scheduleRandom(seed, "same-task"), ANCHOR, { waiting: true });
    expect(draw(1)).toEqual(draw(1));
    const others = [2, 3, 4, 5].map(draw);
    expect(others.some((timing) => timing.terminalAtMs !== draw(1).terminalAtMs)).toBe(true);
  });
});

describe("rampAt", () => {
  const timing = { risesFromMs: 1_000, terminalAtMs: 11_000 };

  it("holds the start value until the rise and reaches the end value at the terminal instant", () => {
    expect(rampAt(timing, 20, 100, 0)).toBe(20);
    expect(rampAt(timing, 20, 100, 1_000)).toBe(20);
    expect(rampAt(timing, 20, 100, 6_000)).toBe(60);
    expect(rampAt(timing, 20, 100, 11_000)).toBe(100);
    expect(rampAt(timing, 20, 100, 99_000)).toBe(100);
  });

  it("never decreases and stays an integer", () => {
    let previous = -1;
    for (let t = 0; t <= 12_000; t += 37) {
      const value = rampAt(timing, 3, 97, t);
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(previous);
      previous = value;
    }
  });
});
