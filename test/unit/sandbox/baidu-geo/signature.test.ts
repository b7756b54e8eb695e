import {
  authStringPrefix,
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  defaultSignedHeaders,
  parseAuthorization,
  signCanonicalRequest,
  signingKey,
  uriEncode,
  uriEncodeExceptSlash,
} from "../../../../src/sandbox/baidu-geo/signature";
import { formatUtcSeconds } from "../../../../src/sandbox/time";

// bce-sdk-js test/sdk/auth.spec.js: AK my_ak, SK my_sk, timestamp 1402639056, expiration 1800.
const AK = "my_ak";
const SK = "my_sk";
const TIMESTAMP = formatUtcSeconds(1402639056 * 1000);

function authorization(
  method: string,
  path: string,
  params: Iterable<readonly [string, string | null | undefined]>,
  headers: Record<string, string>,
  signed: readonly string[],
): string {
  const prefix = authStringPrefix(AK, TIMESTAMP, 1800);
  const signature = signCanonicalRequest(
    signingKey(SK, prefix),
    canonicalRequest({
      method,
      canonicalUri: canonicalUri(path),
      canonicalQueryString: canonicalQueryString(params),
      canonicalHeaders: canonicalHeaders(headers, signed),
    }),
  );
  return `${prefix}/${signed.join(";")}/${signature}`;
}

describe("uriEncode", () => {
  it("keeps the RFC 3986 unreserved characters", () => {
    expect(uriEncode("AZaz09-._~")).toBe("AZaz09-._~");
  });

  it("encodes reserved characters, slashes included, with uppercase hex", () => {
    expect(uriEncode("a/b:c;d=e&f g+h*i!'()")).toBe("a%2Fb%3Ac%3Bd%3De%26f%20g%2Bh%2Ai%21%27%28%29");
  });

  it("encodes the UTF-8 bytes of non-ASCII text", () => {
    expect(uriEncode("预热")).toBe("%E9%A2%84%E7%83%AD");
  });

  it("keeps slashes only in the except-slash variant", () => {
    expect(uriEncodeExceptSlash("/v2/geo cache/")).toBe("/v2/geo%20cache/");
  });
});

describe("canonical request parts", () => {
  it("leaves the GEO path unchanged and turns an empty path into /", () => {
    expect(canonicalUri("/v2/geo/cache/prefetch")).toBe("/v2/geo/cache/prefetch");
    expect(canonicalUri("")).toBe("/");
  });

  it("sorts encoded query pairs and signs a missing value as k= (bce-sdk-js vector)", () => {
    expect(canonicalQueryString(Object.entries({ A: null, b: "", C: "d" }))).toBe("A=&C=d&b=");
  });

  it("leaves authorization out of the canonical query and encodes timestamp colons", () => {
    const query = canonicalQueryString([
      ["site", "www.example.com"],
      ["Authorization", "x"],
      ["startTime", "2024-01-01T00:00:00Z"],
    ]);
    expect(query).toBe("site=www.example.com&startTime=2024-01-01T00%3A00%3A00Z");
  });

  it("canonicalises the default header set plus x-bce-* (bce-sdk-js vector)", () => {
    const headers = { Host: "localhost", "x-bce-a": "a/b:c", "Content-MD5": "MD5" };
    expect(canonicalHeaders(headers, defaultSignedHeaders(headers))).toBe(
      "content-md5:MD5\nhost:localhost\nx-bce-a:a%2Fb%3Ac",
    );
  });

  it("encodes spaces, slashes and semicolons in header values (bce-sdk-js vector)", () => {
    expect(canonicalHeaders({ "Content-Type": "application/json; charset=utf-8" }, ["content-type"])).toBe(
      "content-type:application%2Fjson%3B%20charset%3Dutf-8",
    );
  });

  it("includes exactly the signed headers, trimmed", () => {
    const headers = { Host: " geo.baidubce.com ", abc: "123", "x-bce-date": "2015-04-27T08:23:49Z" };
    expect(canonicalHeaders(headers, ["host"])).toBe("host:geo.baidubce.com");
  });
});

describe("bce-auth-v1 signatures", () => {
  it("matches bce-sdk-js vector 1 (PUT with params and an x-bce-meta header)", () => {
    const headers = { Host: "bce.baidu.com", abc: "123", "x-bce-meta-key1": "ABC" };
    expect(
      authorization(
        "PUT",
        "/v1/bucket/object1",
        Object.entries({ A: null, b: "", C: "d" }),
        headers,
        defaultSignedHeaders(headers),
      ),
    ).toBe(
      "bce-auth-v1/my_ak/2014-06-13T05:57:36Z/1800/host;x-bce-meta-key1/80c9672aca2ea9af4bb40b9a8ff458d72df94e97d550840727f3a929af271d25",
    );
  });

  it("matches bce-sdk-js vector 2 (DELETE signing content-length and content-type)", () => {
    const headers = {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": "0",
      "User-Agent": "This is the user-agent",
    };
    expect(
      authorization("DELETE", "/v1/test-bucket1361199862", [], headers, ["content-length", "content-type"]),
    ).toBe(
      "bce-auth-v1/my_ak/2014-06-13T05:57:36Z/1800/content-length;content-type/c9386b15d585960ae5e6972f73ed92a9a682dc81025480ba5b41206d3e489822",
    );
  });

  it("keys the second HMAC with the hex text of the first", () => {
    expect(signingKey(SK, authStringPrefix(AK, TIMESTAMP, 1800))).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("parseAuthorization", () => {
  const signature = "0".repeat(64);

  it("splits a well-formed header", () => {
    expect(
      parseAuthorization(`bce-auth-v1/ak/2015-04-27T08:23:49Z/1800/host;x-bce-date/${signature}`),
    ).toEqual({
      accessKeyId: "ak",
      timestamp: "2015-04-27T08:23:49Z",
      expirationSeconds: 1800,
      signedHeaders: ["host", "x-bce-date"],
      signature,
    });
  });

  it("reads an empty signedHeaders as the default set", () => {
    expect(parseAuthorization(`bce-auth-v1/ak/2015-04-27T08:23:49Z/1800//${signature}`)).toMatchObject({
      signedHeaders: [],
    });
  });

  it.each([
    ["another scheme", `AWS4-HMAC-SHA256/ak/2015-04-27T08:23:49Z/1800/host/${signature}`],
    ["too few parts", `bce-auth-v1/ak/2015-04-27T08:23:49Z/1800/${signature}`],
    ["a zero expiration", `bce-auth-v1/ak/2015-04-27T08:23:49Z/0/host/${signature}`],
    ["uppercase signed header names", `bce-auth-v1/ak/2015-04-27T08:23:49Z/1800/Host/${signature}`],
    ["a short signature", "bce-auth-v1/ak/2015-04-27T08:23:49Z/1800/host/abc"],
  ])("explains why a header with %s is malformed", (_case, header) => {
    expect(typeof parseAuthorization(header)).toBe("string");
  });
});
