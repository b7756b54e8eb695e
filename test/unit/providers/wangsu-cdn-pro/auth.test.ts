import {
  apiKeyPassword,
  basicAuthorization,
  httpDate,
  WangsuCdnProSigner,
} from "../../../../src/providers/wangsu-cdn-pro/auth";

const DATE = "Thu, 17 May 2012 19:37:58 GMT";

describe("Wangsu CDN Pro API-key auth", () => {
  it("derives the password as base64 HMAC-SHA1 of the Date value under the apiKey", () => {
    expect(apiKeyPassword("example_apiKey", DATE)).toBe("F4uiPWGMcZpiDhA2JE1ngb2vp6c=");
  });

  it("builds Basic base64(username:password) for that Date", () => {
    expect(basicAuthorization("example_username", "example_apiKey", DATE)).toBe(
      "Basic ZXhhbXBsZV91c2VybmFtZTpGNHVpUFdHTWNacGlEaEEySkUxbmdiMnZwNmM9",
    );
  });

  it("formats the Date header as RFC 1123 GMT with English names", () => {
    expect(httpDate(new Date(Date.UTC(2012, 4, 17, 19, 37, 58)))).toBe(DATE);
  });

  it("zero-pads a single-digit day", () => {
    expect(httpDate(new Date(Date.UTC(2024, 0, 5, 3, 4, 5)))).toBe("Fri, 05 Jan 2024 03:04:05 GMT");
  });

  it("signs the very Date value it sends", () => {
    const signer = new WangsuCdnProSigner(
      { username: "example_username", apiKey: "example_apiKey" },
      () => new Date(Date.UTC(2012, 4, 17, 19, 37, 58)),
    );
    expect(signer.headers()).toEqual({
      Date: DATE,
      Authorization: "Basic ZXhhbXBsZV91c2VybmFtZTpGNHVpUFdHTWNacGlEaEEySkUxbmdiMnZwNmM9",
    });
  });

  it("reads the clock on every call, so a retry carries a fresh Date", () => {
    let t = Date.UTC(2024, 0, 1, 0, 0, 0);
    const signer = new WangsuCdnProSigner({ username: "u", apiKey: "k" }, () => new Date((t += 1000)));
    const first = signer.headers();
    const second = signer.headers();
    expect(second.Date).not.toBe(first.Date);
    expect(second.Authorization).not.toBe(first.Authorization);
  });

  it("keeps the apiKey out of anything that serialises the signer", () => {
    const signer = new WangsuCdnProSigner({ username: "someone", apiKey: "top-secret-key" });
    expect(JSON.stringify(signer)).not.toContain("top-secret-key");
    expect(Object.keys(signer)).toEqual([]);
  });
});
