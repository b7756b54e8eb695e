import { CursorCodec } from "../../../src/pagination/cursor";
import {
  markBytes,
  MAX_MERGE_SOURCES,
  MERGE_CURSOR_MAX_LENGTH,
  MergeCursorCodec,
  type MergeCursorPayload,
  type SourcePosition,
  tokenBudget,
  tokenBytes,
} from "../../../src/pagination/merge-cursor";
import { codeThrownBy } from "../../support/error-codes";

const SECRET = Buffer.from("merge-cursor-unit-test-secret-00");
const T = 1_767_300_000;

/** A codec that counts the signatures it computes. */
class CountingCodec extends MergeCursorCodec {
  signatures = 0;
  protected override sign(signed: string): string {
    this.signatures++;
    return super.sign(signed);
  }
}

const codec = new MergeCursorCodec(SECRET);
const header = { query: "AAAAAAAAAAAAAAAA", start: T - 86_400, end: T + 12_000 };

const every: SourcePosition[] = [
  { kind: "stream", hi: T + 12_000, piece: 0, token: "400", skip: 7, bound: T + 10_000 },
  { kind: "span", start: T, end: T + 3_599, bound: T + 3_599 },
  { kind: "whole", start: T, end: T + 3_599, skip: 3, bound: T + 1_000 },
  {
    kind: "pages",
    from: "last",
    start: T,
    end: T + 3_599,
    rows: 250,
    page: 3,
    skip: 4,
    bound: T + 2_000,
    marks: { pages: [2, 3], tokens: ["m2", "m3"], floors: [T + 10, T + 20] },
  },
  {
    kind: "pages",
    from: "first",
    start: T,
    end: T,
    rows: 1,
    page: 4,
    skip: 0,
    bound: T,
    marks: { pages: [4], tokens: ["m4"], floors: [T] },
  },
  { kind: "done" },
];

function raw(json: string): string {
  const signer = new (class extends MergeCursorCodec {
    mac(s: string): string {
      return this.sign(s);
    }
  })(SECRET);
  const body = Buffer.from(json, "utf8").toString("base64url");
  return `m2.${body}.${signer.mac(`m2.${body}`)}`;
}

describe("MergeCursorCodec", () => {
  it("decodes what it encodes, every kind of position", () => {
    const payload: MergeCursorPayload = { ...header, sources: every };
    expect(codec.decode(codec.encode(payload))).toEqual(payload);
  });

  it("replays a group's steps: each edge's cursor is the group's positions after the rows taken before it", () => {
    const group = codec.group(header, every, false);
    // Source 0 hands out a row (its bound falls by 5), source 2 one filtered out, source 0 another at the same key.
    const a = group.step(0, true, T + 9_995);
    const b = group.step(2, false, T + 900);
    const c = group.step(0, true, T + 9_995);
    expect([a, b, c]).toEqual([1, 2, 3]);
    const at = (n: number) => codec.decode(group.cursor(n)).sources;
    expect(at(1)[0]).toEqual({ ...every[0], skip: 8, bound: T + 9_995 });
    expect(at(1)[2]).toEqual(every[2]);
    expect(at(3)[0]).toEqual({ ...every[0], skip: 9, bound: T + 9_995 });
    expect(at(3)[2]).toEqual({ ...every[2], skip: 4, bound: T + 900 });
  });

  it("accepts only the step counts it issued: an edge's, or zero where the positions are an edge's own", () => {
    const group = codec.group(header, every, false);
    group.step(0, true, T + 9_000);
    group.step(2, false, T + 900);
    const prefix = group.cursor(1).slice(0, -1);
    for (const n of ["0", "2", "3", "01", "1.5", "-1", "99999"]) {
      expect(codeThrownBy(() => codec.decode(prefix + n))).toBe("INVALID_CURSOR");
    }
    expect(codec.decode(prefix + "1").sources[0]).toMatchObject({ skip: 8 });
    const own = codec.group(header, every, true);
    expect(codec.decode(own.cursor(0)).sources).toEqual(every);
  });

  it("signs a group once, whatever the number of its cursors read", () => {
    const counting = new CountingCodec(SECRET);
    const group = counting.group(header, every, true);
    for (let i = 1; i <= 40; i++) group.step(0, true, T + 10_000 - i);
    expect(counting.signatures).toBe(0);
    const cursors = Array.from({ length: 41 }, (_, n) => group.cursor(n));
    expect(counting.signatures).toBe(1);
    expect(new Set(cursors).size).toBe(41);
    // A signed group takes no more steps: the next edge starts another.
    expect(group.hasRoom()).toBe(false);
  });

  it("refuses an edited body, another key's cursor and a prefetchTasks cursor with INVALID_CURSOR", () => {
    const cursor = codec.encode({ ...header, sources: every });
    const [v, body, mac, n] = cursor.split(".") as [string, string, string, string];
    const edited = Buffer.from(
      Buffer.from(body, "base64url").toString("utf8").replace('"400"', '"800"'),
      "utf8",
    ).toString("base64url");
    expect(codeThrownBy(() => codec.decode(`${v}.${edited}.${mac}.${n}`))).toBe("INVALID_CURSOR");
    const foreign = new MergeCursorCodec(Buffer.from("another-deployment-secret-000000")).encode({
      ...header,
      sources: every,
    });
    expect(codeThrownBy(() => codec.decode(foreign))).toBe("INVALID_CURSOR");
    const single = new CursorCodec(SECRET).encode({
      query: "q",
      start: 0,
      end: 1,
      window: 0,
      pageToken: null,
      offset: 0,
    });
    expect(codeThrownBy(() => codec.decode(single))).toBe("INVALID_CURSOR");
    expect(codeThrownBy(() => new CursorCodec(SECRET).decode(cursor))).toBe("INVALID_CURSOR");
  });

  it("refuses a signed body that is not a merged cursor's, and anything too long", () => {
    for (const json of [
      "[]",
      '["q",1,2,[],"",1,3]',
      '["q",1,2,[[9,1,2,3]],"",1]',
      '["q",1,2,[[2,5,4,0]],"",1]',
      '["q",1,2,[[1,0,0,7,0,0]],"",1]',
      '["q",-1,2,[],"",1]',
      '["q",1,2,[[4,1,2,0,3,0,0,[4,"t",1]]],"",1]',
      '["q",1,2,[[4,1,2,0,3,0,0,[1,"t",1]]],"",1]',
      '["q",1,2,[[4,1,2,0,3,0,0,[3,"t",1,2,"u",1]]],"",1]',
      '["q",1,2,[[4,1,2,0,2,0,0,[2,"t","x"]]],"",1]',
    ]) {
      expect(codeThrownBy(() => codec.decode(`${raw(json)}.0`))).toBe("INVALID_CURSOR");
    }
    // Steps that name a done source, or lower a bound below zero.
    expect(codeThrownBy(() => codec.decode(`${raw('["q",1,2,[0],"A",0]')}.1`))).toBe("INVALID_CURSOR");
    expect(codeThrownBy(() => codec.decode(`${raw('["q",1,2,[[2,1,2,3]],"A9",0]')}.1`))).toBe(
      "INVALID_CURSOR",
    );
    expect(codeThrownBy(() => codec.decode(`${raw('["q",1,2,[[3,1,2,0,3]],"A9",0]')}.1`))).toBe(
      "INVALID_CURSOR",
    );
    expect(codeThrownBy(() => codec.decode("m2." + "A".repeat(MERGE_CURSOR_MAX_LENGTH)))).toBe(
      "INVALID_CURSOR",
    );
  });

  it.each([2, 5, MAX_MERGE_SOURCES])(
    "fits %i positions at their widest, with tokens of the budget, and room for steps",
    (count) => {
      const time = 99_999_999_999;
      const wide = 9_999_999_999;
      const budget = tokenBudget(count);
      const token = "9".repeat(Math.max(0, budget - tokenBytes("")));
      const shapes: SourcePosition[][] = [
        Array.from({ length: count }, () => ({
          kind: "stream" as const,
          hi: time,
          piece: wide,
          token: budget > 0 ? token : null,
          skip: wide,
          bound: time,
        })),
        Array.from({ length: count }, () => ({
          kind: "pages" as const,
          from: "last" as const,
          start: time,
          end: time,
          rows: wide,
          page: wide,
          skip: wide,
          bound: time,
          marks:
            budget >= markBytes("")
              ? { pages: [wide], tokens: ["9".repeat(budget - markBytes(""))], floors: [time] }
              : { pages: [], tokens: [], floors: [] },
        })),
      ];
      for (const sources of shapes) {
        const group = codec.group({ query: "A".repeat(16), start: time, end: time }, sources, true);
        let n = 0;
        while (group.hasRoom()) group.step(0, true, time - ++n * 99_999_999);
        expect(n).toBeGreaterThanOrEqual(5);
        for (const k of [0, n]) expect(group.cursor(k).length).toBeLessThanOrEqual(MERGE_CURSOR_MAX_LENGTH);
      }
    },
  );

  it("leaves two accounts some 600 bytes of page tokens each: three of the sandbox's Baidu markers", () => {
    expect(tokenBudget(2)).toBeGreaterThan(3 * markBytes("x".repeat(170)));
  });
});
