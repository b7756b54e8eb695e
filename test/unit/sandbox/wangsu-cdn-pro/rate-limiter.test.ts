import { FixedWindowRateLimiter } from "../../../../src/sandbox/wangsu-cdn-pro/rate-limiter";

function limiterAt(points: number, durationSeconds: number) {
  const clock = { ms: 0 };
  const limiter = new FixedWindowRateLimiter({ points, durationSeconds }, () => clock.ms);
  return { clock, limiter };
}

describe("FixedWindowRateLimiter", () => {
  it("allows the budget's points within one window", () => {
    const { limiter } = limiterAt(3, 60);
    expect([1, 2, 3].map(() => limiter.consume("u").allowed)).toEqual([true, true, true]);
  });

  it("refuses the next call with the seconds left until the window ends", () => {
    const { clock, limiter } = limiterAt(2, 60);
    limiter.consume("u");
    clock.ms = 10_500;
    limiter.consume("u");
    expect(limiter.consume("u")).toEqual({ allowed: false, retryAfterSeconds: 50 });
  });

  it("refills when the window has passed", () => {
    const { clock, limiter } = limiterAt(1, 60);
    limiter.consume("u");
    clock.ms = 60_000;
    expect(limiter.consume("u").allowed).toBe(true);
  });

  it("keeps a separate budget per user", () => {
    const { limiter } = limiterAt(1, 60);
    limiter.consume("u");
    expect(limiter.consume("v").allowed).toBe(true);
  });

  it("does not charge refused calls", () => {
    const { clock, limiter } = limiterAt(1, 60);
    limiter.consume("u");
    limiter.consume("u");
    clock.ms = 60_000;
    expect(limiter.consume("u").allowed).toBe(true);
  });

  it("forgets every window on reset", () => {
    const { limiter } = limiterAt(1, 60);
    limiter.consume("u");
    limiter.reset();
    expect(limiter.consume("u").allowed).toBe(true);
  });

  it("rejects a budget without points", () => {
    expect(() => new FixedWindowRateLimiter({ points: 0, durationSeconds: 60 })).toThrow(RangeError);
  });
});
