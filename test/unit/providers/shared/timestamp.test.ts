import { isoSeconds, parseRfc3339 } from "../../../../src/providers/shared/timestamp";

describe("parseRfc3339", () => {
  it("reads Z and offset forms to the same instant", () => {
    expect(parseRfc3339("2021-03-06T08:00:00+08:00")).toEqual(parseRfc3339("2021-03-06T00:00:00Z"));
  });

  it("accepts fractional seconds", () => {
    expect(parseRfc3339("2021-03-06T00:00:00.250Z")).toEqual(new Date("2021-03-06T00:00:00.250Z"));
  });

  it("refuses hour 24, which Date.parse would roll over", () => {
    expect(parseRfc3339("2021-03-06T24:00:00Z")).toBeNull();
  });

  it("refuses a valid RFC 3339 text that does not match the stricter form asked for", () => {
    const utcOnly = /Z$/;
    expect(parseRfc3339("2021-03-06T08:00:00+08:00", utcOnly)).toBeNull();
    expect(parseRfc3339("2021-03-06T00:00:00Z", utcOnly)).toEqual(new Date("2021-03-06T00:00:00Z"));
  });
});

describe("isoSeconds", () => {
  it("formats an instant as UTC without milliseconds", () => {
    expect(isoSeconds(new Date(1402639056 * 1000))).toBe("2014-06-13T05:57:36Z");
    expect(isoSeconds(new Date("2021-03-01T01:00:00.000Z"))).toBe("2021-03-01T01:00:00Z");
    expect(isoSeconds(new Date("2024-01-01T00:00:00.999Z"))).toBe("2024-01-01T00:00:00Z");
  });
});
