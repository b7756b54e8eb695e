import {
  canonicalHeaders,
  canonicalQueryString,
  canonicalUri,
  redactCredentials,
  signRequest,
  uriEncode,
} from "../../../../src/providers/baidu-geo/auth";

// The published vectors of bce-sdk-js test/sdk/auth.spec.js (recomputed independently, see PROVIDERS.md §1).
const credentials = { accessKeyId: "my_ak", secretAccessKey: "my_sk" };
const timestamp = new Date(1402639056 * 1000);

describe("bce-auth-v1 signing", () => {
  it("reproduces bce-sdk-js vector 1, signing host and x-bce-* but not other headers", () => {
    const authorization = signRequest({
      method: "PUT",
      path: "/v1/bucket/object1",
      query: { A: null, b: "", C: "d" },
      headers: { Host: "bce.baidu.com", abc: "123", "x-bce-meta-key1": "ABC" },
      credentials,
      timestamp,
    });
    expect(authorization).toBe(
      "bce-auth-v1/my_ak/2014-06-13T05:57:36Z/1800/host;x-bce-meta-key1/" +
        "80c9672aca2ea9af4bb40b9a8ff458d72df94e97d550840727f3a929af271d25",
    );
  });

  it("gives vector 1's signature when only host is asked for, since x-bce-* headers are always signed", () => {
    const authorization = signRequest({
      method: "PUT",
      path: "/v1/bucket/object1",
      query: { A: null, b: "", C: "d" },
      headers: { Host: "bce.baidu.com", abc: "123", "x-bce-meta-key1": "ABC" },
      credentials,
      timestamp,
      headersToSign: ["host"],
    });
    expect(authorization).toMatch(
      /\/host;x-bce-meta-key1\/80c9672aca2ea9af4bb40b9a8ff458d72df94e97d550840727f3a929af271d25$/,
    );
  });

  it("reproduces bce-sdk-js vector 2 with the SDK's default headers to sign and no Host", () => {
    const authorization = signRequest({
      method: "DELETE",
      path: "/v1/test-bucket1361199862",
      query: {},
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Length": 0,
        "User-Agent": "This is the user-agent",
      },
      credentials,
      timestamp,
      headersToSign: ["host", "content-length", "content-type", "content-md5"],
    });
    expect(authorization).toBe(
      "bce-auth-v1/my_ak/2014-06-13T05:57:36Z/1800/content-length;content-type/" +
        "c9386b15d585960ae5e6972f73ed92a9a682dc81025480ba5b41206d3e489822",
    );
  });

  it("encodes signed header values, including slashes, colons and spaces", () => {
    expect(canonicalHeaders({ "Content-Type": "application/json; charset=utf-8" }).canonical).toBe(
      "content-type:application%2Fjson%3B%20charset%3Dutf-8",
    );
  });

  it("reproduces the bce-sdk-js canonical-headers vector", () => {
    const result = canonicalHeaders({ Host: "localhost", "x-bce-a": "a/b:c", "Content-MD5": "MD5" });
    expect(result.canonical).toBe("content-md5:MD5\nhost:localhost\nx-bce-a:a%2Fb%3Ac");
    expect(result.signedHeaders).toEqual(["content-md5", "host", "x-bce-a"]);
  });

  it("signs only host and x-bce-* headers when host is the one header asked for", () => {
    const result = canonicalHeaders(
      { host: "127.0.0.1:4567", "x-bce-date": "2024-01-01T00:00:00Z", accept: "application/json" },
      ["host"],
    );
    expect(result.canonical).toBe("host:127.0.0.1%3A4567\nx-bce-date:2024-01-01T00%3A00%3A00Z");
    expect(result.signedHeaders).toEqual(["host", "x-bce-date"]);
  });

  it("skips empty header values, the Authorization header and x-bce-request-id", () => {
    const result = canonicalHeaders({
      Host: "  ",
      Authorization: "bce-auth-v1/…",
      "x-bce-request-id": "abc",
      "x-bce-b": " trimmed ",
    });
    expect(result.canonical).toBe("x-bce-b:trimmed");
  });

  it("encodes times in the canonical query", () => {
    expect(
      canonicalQueryString({
        site: "test.com",
        startTime: "2024-01-01T00:00:00Z",
        endTime: "2024-01-02T00:00:00Z",
      }),
    ).toBe("endTime=2024-01-02T00%3A00%3A00Z&site=test.com&startTime=2024-01-01T00%3A00%3A00Z");
  });

  it("encodes non-ASCII keys and values as uppercase UTF-8 percent-escapes", () => {
    expect(canonicalQueryString({ 站点: "例子.中国", marker: "a/b+c d" })).toBe(
      "%E7%AB%99%E7%82%B9=%E4%BE%8B%E5%AD%90.%E4%B8%AD%E5%9B%BD&marker=a%2Fb%2Bc%20d",
    );
  });

  it("leaves out undefined parameters and any authorization parameter", () => {
    expect(canonicalQueryString({ site: "a", marker: undefined, Authorization: "x" })).toBe("site=a");
  });

  it("escapes the characters encodeURIComponent keeps", () => {
    expect(uriEncode("!'()*~")).toBe("%21%27%28%29%2A~");
  });

  it("keeps slashes in the canonical URI and turns an empty path into /", () => {
    expect(canonicalUri("/v2/geo/cache/prefetch")).toBe("/v2/geo/cache/prefetch");
    expect(canonicalUri("/a b/ü")).toBe("/a%20b/%C3%BC");
    expect(canonicalUri("")).toBe("/");
  });

  it("honours a custom expiration", () => {
    const authorization = signRequest({
      method: "GET",
      path: "/",
      query: {},
      headers: {},
      credentials,
      timestamp,
      expirationSeconds: 60,
    });
    expect(authorization).toMatch(/^bce-auth-v1\/my_ak\/2014-06-13T05:57:36Z\/60\/\/[0-9a-f]{64}$/);
  });

  it("removes the account's keys from text quoted back by Baidu", () => {
    expect(redactCredentials("key my_ak with my_sk", credentials)).toBe("key [redacted] with [redacted]");
  });
});
