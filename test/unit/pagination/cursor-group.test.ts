import { CursorCodec, type CursorGroupKey, type CursorPayload } from "../../../src/pagination/cursor";
import { codeThrownBy } from "../../support/error-codes";

/** Counts the HMACs a codec computes, through its one signing seam. */
class CountingCodec extends CursorCodec {
  signatures = 0;
  protected override sign(signed: string): string {
    this.signatures++;
    return super.sign(signed);
  }
}

const SECRET = Buffer.from("k".repeat(32));
const key: CursorGroupKey = {
  query: "fp-query-0123456789ab",
  start: 1_700_000_000,
  end: 1_700_086_400,
  window: 1,
  pageToken: "marker-abc",
};

/** A group holding `offsets`, and the cursor of each, read in order. */
function issue(codec: CursorCodec, offsets: readonly number[], k: CursorGroupKey = key) {
  const group = codec.group(k);
  for (const o of offsets) expect(group.add(o)).toBe(true);
  return { group, cursors: offsets.map((o) => group.cursor(o)) };
}

const at = (offset: number): CursorPayload => ({ ...key, offset });
const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

describe("CursorCodec v2: one signature per group of edges", () => {
  const codec = new CursorCodec(SECRET);

  it("still decodes a v1 cursor issued before v2 existed", () => {
    // Made by the v1-only codec, with the same key: cursors clients already hold keep working.
    const issued =
      "1.WyJmcC1xdWVyeS0wMTIzNDU2Nzg5YWIiLDE3MDAwMDAwMDAsMTcwMDA4NjQwMCwxLCJtYXJrZXItYWJjIiwzN10.zuRT8tGxPIhgpS1tV3hfhQ";
    expect(codec.decode(issued)).toEqual(at(37));
    expect(codec.encode(at(37))).toBe(issued);
  });

  it("round-trips every edge of an unfiltered group (a contiguous range)", () => {
    const offsets = range(1, 100);
    const { cursors } = issue(codec, offsets);
    expect(cursors.map((c) => codec.decode(c))).toEqual(offsets.map(at));
    // One body, one signature: the cursors differ only in their last part.
    const prefixes = new Set(cursors.map((c) => c.slice(0, c.lastIndexOf(".") + 1)));
    expect(prefixes.size).toBe(1);
    expect(cursors[6]).toMatch(/^2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}\.7$/);
  });

  it("round-trips a group whose page token is null, starting at offset 0", () => {
    const first = { ...key, window: 0, pageToken: null };
    const { cursors } = issue(codec, [0, 1, 2], first);
    expect(cursors.map((c) => codec.decode(c))).toEqual([0, 1, 2].map((offset) => ({ ...first, offset })));
  });

  it("round-trips every edge of a filtered group (sparse offsets) and rejects the offsets in between", () => {
    const offsets = [0, 3, 4, 17, 99, 150, 200];
    const { group, cursors } = issue(codec, offsets);
    expect(cursors.map((c) => codec.decode(c))).toEqual(offsets.map(at));
    for (const skipped of [1, 2, 5, 16, 18, 98, 100, 149, 199, 201, 207, 1000]) {
      const forged = cursors[0]!.replace(/\.0$/, `.${skipped}`);
      expect(forged).not.toBe(group.cursor(0));
      expect(codeThrownBy(() => codec.decode(forged))).toBe("INVALID_CURSOR");
    }
  });

  it("rejects an offset outside the issued range", () => {
    const { cursors } = issue(codec, range(5, 10));
    const prefix = cursors[0]!.slice(0, -1);
    expect(codec.decode(`${prefix}5`)).toEqual(at(5));
    expect(codec.decode(`${prefix}10`)).toEqual(at(10));
    for (const outside of ["4", "0", "11", "100", "9007199254740991"]) {
      expect(codeThrownBy(() => codec.decode(prefix + outside))).toBe("INVALID_CURSOR");
    }
  });

  it.each([
    "07",
    "007",
    "+7",
    "-7",
    "-0",
    "7.0",
    "7e0",
    "0x7",
    " 7",
    "7 ",
    "7\n",
    "",
    "\u0667", // ARABIC-INDIC DIGIT SEVEN
    "9".repeat(16),
    "9".repeat(17),
    "9007199254740993",
    "1".repeat(40),
    "Infinity",
    "NaN",
  ])("rejects the non-canonical or impossible offset %j, even where its value was issued", (offset) => {
    const { cursors } = issue(codec, range(0, 100));
    const prefix = cursors[0]!.slice(0, -1);
    expect(codeThrownBy(() => codec.decode(prefix + offset))).toBe("INVALID_CURSOR");
  });

  it("rejects a v1 cursor relabelled v2, and a v2 cursor relabelled v1: the MAC covers the version", () => {
    const v1 = codec.encode(at(7));
    const [, body, mac] = v1.split(".") as [string, string, string];
    for (const forged of [`2.${body}.${mac}.7`, `2.${body}.${mac}`, `2.${body}.${mac}.0`]) {
      expect(codeThrownBy(() => codec.decode(forged))).toBe("INVALID_CURSOR");
    }
    const { cursors } = issue(codec, [7]);
    const [, body2, mac2] = cursors[0]!.split(".") as [string, string, string, string];
    for (const forged of [`1.${body2}.${mac2}`, `1.${body2}.${mac2}.7`]) {
      expect(codeThrownBy(() => codec.decode(forged))).toBe("INVALID_CURSOR");
    }
  });

  it("rejects edits of the body or the signature", () => {
    const { cursors } = issue(codec, range(1, 10));
    const [v, body, mac, offset] = cursors[2]!.split(".") as [string, string, string, string];
    const fields = JSON.parse(Buffer.from(body, "base64url").toString()) as unknown[];
    const reencode = (f: unknown[]) => Buffer.from(JSON.stringify(f)).toString("base64url");
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
    const wider = [...fields.slice(0, 5), [0, 1000]];
    const otherToken = [...fields.slice(0, 4), "marker-xyz", fields[5]];
    const otherGroup = issue(codec, range(1, 10), { ...key, pageToken: "marker-xyz" }).cursors[2]!;
    const foreign = issue(new CursorCodec(Buffer.from("x".repeat(32))), range(1, 10)).cursors[2]!;
    const forgeries = [
      `${v}.${reencode(wider)}.${mac}.500`,
      `${v}.${reencode(wider)}.${mac}.${offset}`,
      `${v}.${reencode(otherToken)}.${mac}.${offset}`,
      `${v}.${flip(body, 5)}.${mac}.${offset}`,
      `${v}.${body.slice(0, -2)}AA.${mac}.${offset}`,
      `${v}.${body}.${flip(mac, 0)}.${offset}`,
      `${v}.${body}.${flip(mac, 21)}.${offset}`,
      `${v}.${body}.${mac}=.${offset}`,
      `${v}.${body}=.${mac}.${offset}`,
      `${v}.${body}.${otherGroup.split(".")[2]}.${offset}`,
      `${v}.${body}.${mac}.${offset}.`,
      `${v}.${body}.${mac}.${offset}.0`,
      `${v}.${body}.${mac}`,
      `${v}..${mac}.${offset}`,
      `${v}.${body}..${offset}`,
      foreign,
      `3.${body}.${mac}.${offset}`,
    ];
    for (const forged of forgeries) {
      expect([forged, codeThrownBy(() => codec.decode(forged))]).toEqual([forged, "INVALID_CURSOR"]);
    }
    expect(codec.decode(cursors[2]!)).toEqual(at(3));
  });

  it("rejects a cursor over 2048 characters, and keeps the cursors it issues under that cap", () => {
    const { cursors } = issue(codec, [1]);
    const long = cursors[0]! + "0".repeat(2048);
    expect(codeThrownBy(() => codec.decode(long))).toBe("INVALID_CURSOR");
    // The widest group a bitmap may span, every other offset issued, under a long page token.
    const wide = { ...key, pageToken: "m".repeat(200) };
    const offsets = Array.from({ length: 1024 }, (_, i) => 2 * i);
    const sparse = issue(codec, offsets, wide).cursors;
    expect(Math.max(...sparse.map((c) => c.length))).toBeLessThan(2048);
    expect(codec.decode(sparse[sparse.length - 1]!)).toEqual({ ...wide, offset: 2046 });
  });

  it("closes a group that cannot take an offset: not increasing, too wide a sparse span, or already signed", () => {
    const group = codec.group(key);
    expect(group.add(3)).toBe(true);
    expect(group.add(3)).toBe(false);
    expect(group.add(2)).toBe(false);
    expect(group.add(4)).toBe(true);
    expect(group.add(3 + 2048)).toBe(false); // sparse, wider than a bitmap may be
    expect(group.add(3 + 2047)).toBe(true);
    group.cursor(3);
    expect(group.add(3 + 2048)).toBe(false); // signed: its issued set is fixed
    const contiguous = codec.group(key);
    expect(range(0, 5000).every((o) => contiguous.add(o))).toBe(true); // a range has no width limit
    expect(codec.decode(contiguous.cursor(5000))).toEqual(at(5000));
    expect(() => codec.group(key).add(-1)).toThrow(RangeError);
    expect(() => codec.group(key).add(1.5)).toThrow(RangeError);
  });

  it("computes one HMAC per group, on the first cursor read, whatever the number of edges", () => {
    const counting = new CountingCodec(SECRET);
    const unfiltered = counting.group(key);
    const filtered = counting.group({ ...key, pageToken: "marker-xyz" });
    for (const o of range(1, 100)) unfiltered.add(o);
    for (const o of range(0, 99).filter((o) => o % 3 === 0)) filtered.add(o);
    expect(counting.signatures).toBe(0);
    unfiltered.cursor(100);
    expect(counting.signatures).toBe(1);
    for (const o of range(1, 100)) unfiltered.cursor(o);
    expect(counting.signatures).toBe(1);
    for (const o of range(0, 99).filter((o) => o % 3 === 0)) filtered.cursor(o);
    expect(counting.signatures).toBe(2);
    // Decoding verifies one MAC, v1 and v2 alike.
    counting.decode(unfiltered.cursor(50));
    expect(counting.signatures).toBe(3);
    counting.decode(counting.encode(at(1)));
    expect(counting.signatures).toBe(5);
  });
});
