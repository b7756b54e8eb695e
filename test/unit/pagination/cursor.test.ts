import { CursorCodec, queryFingerprint, type CursorPayload } from "../../../src/pagination/cursor";
import { codeThrownBy } from "../../support/error-codes";

const payload: CursorPayload = {
  query: queryFingerprint(["BAIDU_GEO", "default", "www.example.com", [], 1, 2]),
  start: 1_700_000_000,
  end: 1_700_086_400,
  window: 1,
  pageToken: "marker-abc",
  offset: 37,
};

describe("CursorCodec", () => {
  const codec = new CursorCodec(Buffer.from("k".repeat(32)));

  it("round-trips every field of a position", () => {
    expect(codec.decode(codec.encode(payload))).toEqual(payload);
  });

  it("round-trips a first-page position whose page token is null", () => {
    const first = { ...payload, pageToken: null, offset: 0, window: 0 };
    expect(codec.decode(codec.encode(first))).toEqual(first);
  });

  it("is opaque: the marker does not appear in clear text", () => {
    expect(codec.encode(payload)).not.toContain("marker-abc");
  });

  it("rejects a cursor whose body was edited", () => {
    const [v, body, mac] = codec.encode(payload).split(".") as [string, string, string];
    const edited = JSON.parse(Buffer.from(body, "base64url").toString()) as unknown[];
    edited[5] = 0;
    const forged = `${v}.${Buffer.from(JSON.stringify(edited)).toString("base64url")}.${mac}`;
    expect(codeThrownBy(() => codec.decode(forged))).toBe("INVALID_CURSOR");
  });

  it("rejects a cursor signed with another key", () => {
    const foreign = new CursorCodec(Buffer.from("x".repeat(32))).encode(payload);
    expect(codeThrownBy(() => codec.decode(foreign))).toBe("INVALID_CURSOR");
  });

  it("rejects an unknown version", () => {
    const cursor = codec.encode(payload).replace(/^1\./, "2.");
    expect(codeThrownBy(() => codec.decode(cursor))).toBe("INVALID_CURSOR");
  });

  it.each(["", "garbage", "1.2", "1.%%%.###", "a".repeat(5000)])(
    "rejects the garbled cursor %j",
    (cursor) => {
      expect(codeThrownBy(() => codec.decode(cursor))).toBe("INVALID_CURSOR");
    },
  );

  it("fingerprints differ when any bound part of the query differs", () => {
    const a = queryFingerprint(["BAIDU_GEO", "default", "a.example.com", [], 1, 2]);
    expect(queryFingerprint(["BAIDU_GEO", "default", "b.example.com", [], 1, 2])).not.toBe(a);
    expect(queryFingerprint(["BAIDU_GEO", "default", "a.example.com", ["FAILED"], 1, 2])).not.toBe(a);
    expect(queryFingerprint(["BAIDU_GEO", "default", "a.example.com", [], 1, 3])).not.toBe(a);
  });
});
