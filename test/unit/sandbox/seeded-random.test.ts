import { mulberry32, SeededRandom } from "../../../src/sandbox/seeded-random";

describe("mulberry32", () => {
  it("repeats its sequence for a seed and stays in [0, 1)", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});

describe("SeededRandom", () => {
  it("draws integers within both inclusive bounds", () => {
    const r = new SeededRandom(3);
    const values = Array.from({ length: 2000 }, () => r.int(2, 5));
    expect(new Set(values)).toEqual(new Set([2, 3, 4, 5]));
  });

  it("draws hex strings of the asked length", () => {
    const r = new SeededRandom(9);
    for (const n of [1, 8, 24, 32]) expect(r.hex(n)).toMatch(new RegExp(`^[0-9a-f]{${n}}$`));
  });

  it("refuses to pick from an empty list", () => {
    expect(() => new SeededRandom(1).pick([])).toThrow(RangeError);
  });
});
