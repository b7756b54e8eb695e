import fc from "fast-check";
import { formatUtc } from "../../../src/graphql/scalars/utc-format";

describe("formatUtc", () => {
  it("writes what Date#toISOString writes, for any valid instant", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          // Years 1970..9999, the fast path, with its edges.
          fc.integer({ min: 0, max: 253_402_300_799_999 }),
          fc.constantFrom(0, 999, 86_399_999, 86_400_000, 253_402_300_799_999, 253_402_300_800_000),
          // Before 1970 and beyond 9999: toISOString's own.
          fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 }),
        ),
        (ms) => expect(formatUtc(new Date(ms))).toBe(new Date(ms).toISOString()),
      ),
      { numRuns: 100_000 },
    );
  });

  it("stays right across more days than its per-day cache keeps", () => {
    for (let day = 0; day < 5_000; day++) {
      const at = new Date(day * 86_400_000 + 3_723_004);
      expect(formatUtc(at)).toBe(at.toISOString());
    }
  });
});
