import { MarkerCodec, type MarkerState } from "../../../../src/sandbox/baidu-geo/marker";

const codec = new MarkerCodec("test-key");
const state: MarkerState = {
  lastCreatedAtMs: 1_700_000_000_000,
  lastId: "0123456789abcdef0123456789abcdef",
  windowStartMs: 1_699_000_000_000,
  windowEndMs: 1_700_100_000_000,
};
const binding = { site: "www.example.com", startTime: "2023-11-03T08:26:40Z", endTime: "" };

describe("the listing marker", () => {
  it("is opaque base64url text", () => {
    expect(codec.encode(state, binding)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("decodes back to the state it was issued with", () => {
    expect(codec.decode(codec.encode(state, binding), binding)).toEqual({ ok: true, state });
  });

  it.each([
    ["site", { ...binding, site: "static.example.com" }],
    ["startTime", { ...binding, startTime: "2023-11-03T08:26:41Z" }],
    ["endTime", { ...binding, endTime: "2023-11-16T00:00:00Z" }],
  ])("is refused as a mismatch when %s differs from the issuing call", (_name, other) => {
    expect(codec.decode(codec.encode(state, binding), other)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("is refused as malformed when one character is changed", () => {
    const marker = codec.encode(state, binding);
    const tampered = marker.slice(0, 10) + (marker[10] === "A" ? "B" : "A") + marker.slice(11);
    expect(codec.decode(tampered, binding)).toEqual({ ok: false, reason: "malformed" });
  });

  it.each(["", "not a marker", "bm90IGEgbWFya2Vy", "%%%"])("is refused as malformed for %j", (garbage) => {
    expect(codec.decode(garbage, binding)).toEqual({ ok: false, reason: "malformed" });
  });

  it("is refused as malformed by a sandbox with another seed key", () => {
    expect(new MarkerCodec("other-key").decode(codec.encode(state, binding), binding)).toEqual({
      ok: false,
      reason: "malformed",
    });
  });
});
