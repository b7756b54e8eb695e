import { anchorMinute, DAY, formatUtcSeconds, parseUtcTimestamp } from "../../../src/sandbox/time";

// Moved from baidu-geo/signature.test.ts ("BCE timestamps"): Baidu's Timestamp type is the strict form.
describe("strict UTC timestamps (Baidu's Timestamp type)", () => {
  it("round-trip the strict second-precision UTC form", () => {
    expect(parseUtcTimestamp("2014-06-13T05:57:36Z")).toBe(1402639056 * 1000);
    expect(formatUtcSeconds(new Date("2014-06-13T05:57:36.789Z"))).toBe("2014-06-13T05:57:36Z");
  });

  it.each([
    "2014-06-13T05:57:36.000Z",
    "2014-06-13T05:57:36+00:00",
    "2014-06-13 05:57:36Z",
    "2014-02-30T00:00:00Z",
    "2014-06-13T24:00:00Z",
    "2014-06-13t05:57:36z",
  ])("rejects %s", (text) => {
    expect(parseUtcTimestamp(text)).toBeUndefined();
  });
});

// Moved from wangsu-cdn-pro/seed-data.test.ts ("formatRfc3339").
describe("formatUtcSeconds", () => {
  it("formats whole seconds in UTC like the documents' examples", () => {
    expect(formatUtcSeconds(Date.UTC(2021, 2, 5, 0, 34, 28))).toBe("2021-03-05T00:34:28Z");
  });
});

describe("parseUtcTimestamp options", () => {
  it("takes fractional seconds only when asked, kept to the millisecond", () => {
    expect(parseUtcTimestamp("2021-03-01T01:00:00.5Z")).toBeUndefined();
    expect(parseUtcTimestamp("2021-03-01T01:00:00.5Z", { fractionalSeconds: true })).toBe(
      Date.UTC(2021, 2, 1, 1, 0, 0, 500),
    );
    expect(parseUtcTimestamp("2021-03-01t01:00:00.5z", { fractionalSeconds: true })).toBeUndefined();
  });

  it("takes lowercase t and z only when asked", () => {
    expect(parseUtcTimestamp("2021-03-01t01:00:00z", { lowercase: true })).toBe(Date.UTC(2021, 2, 1, 1));
    expect(parseUtcTimestamp("2021-03-01t01:00:00.5z", { lowercase: true })).toBeUndefined();
  });

  it("still rejects impossible instants and two-digit-era years with every option", () => {
    const rfc3339 = { fractionalSeconds: true, lowercase: true };
    expect(parseUtcTimestamp("2021-04-31T01:00:00.1Z", rfc3339)).toBeUndefined();
    expect(parseUtcTimestamp("2021-03-01T01:00:60Z", rfc3339)).toBeUndefined();
    expect(parseUtcTimestamp("0050-01-01T00:00:00Z", rfc3339)).toBeUndefined();
  });
});

describe("anchorMinute", () => {
  it("floors to the minute", () => {
    expect(anchorMinute(new Date("2024-05-01T12:34:56.789Z"))).toBe(Date.UTC(2024, 4, 1, 12, 34));
    expect(anchorMinute(new Date(DAY))).toBe(DAY);
  });
});
