import {
  answerOptions,
  CORS_ORIGIN_NOT_ALLOWED,
  corsResponseHeaders,
  parseCorsOrigins,
  type CorsOrigins,
} from "../../../src/http/cors";

const APP = "https://app.example.com";
const LOCAL = "http://localhost:5173";
const LISTED: CorsOrigins = [APP, LOCAL];
const PREFLIGHT = { "access-control-request-method": "POST" };

describe("parseCorsOrigins", () => {
  const parse = (value: string | undefined, apiKeys = false) => parseCorsOrigins(value, { apiKeys });

  it("allows no origin when the variable is unset or blank", () => {
    expect(parse(undefined)).toEqual({ origins: [], problems: [] });
    expect(parse(" , ")).toEqual({ origins: [], problems: [] });
  });

  it("reads comma-separated origins, trimmed and without duplicates", () => {
    expect(parse(` ${APP} ,${LOCAL},${APP}`)).toEqual({ origins: [APP, LOCAL], problems: [] });
  });

  it("normalises an origin as browsers serialise it: lower-case host, no default port, no trailing slash", () => {
    expect(parse("HTTPS://App.Example.COM:443/").origins).toEqual([APP]);
  });

  it("keeps a non-default port and IPv6 literals", () => {
    expect(parse("http://127.0.0.1:8080,http://[::1]:3000").origins).toEqual([
      "http://127.0.0.1:8080",
      "http://[::1]:3000",
    ]);
  });

  it("lists every malformed entry at once, by position, without echoing the values", () => {
    const { problems } = parse(
      `${APP}/path,app.example.com,ftp://x.example.com,https://*.example.com,null,https://a.example.com?x=1,https://u:p@a.example.com`,
    );
    expect(problems).toEqual([
      expect.stringMatching(/^PREFETCH_GRAPH_CORS_ORIGINS entry 1: must be an origin/),
      expect.stringMatching(/^PREFETCH_GRAPH_CORS_ORIGINS entry 2: must be an origin/),
      expect.stringMatching(/^PREFETCH_GRAPH_CORS_ORIGINS entry 3: must be an origin/),
      expect.stringMatching(/^PREFETCH_GRAPH_CORS_ORIGINS entry 4: wildcards are not supported/),
      expect.stringMatching(/^PREFETCH_GRAPH_CORS_ORIGINS entry 5: "null" is not accepted/),
      expect.stringMatching(/^PREFETCH_GRAPH_CORS_ORIGINS entry 6: must be an origin/),
      expect.stringMatching(/^PREFETCH_GRAPH_CORS_ORIGINS entry 7: must be an origin/),
    ]);
    expect(problems.join("\n")).not.toContain("u:p");
  });

  it("refuses an empty query or fragment marker too", () => {
    expect(parse(`${APP}?`).problems).toHaveLength(1);
    expect(parse(`${APP}#`).problems).toHaveLength(1);
  });

  it('accepts "*" alone when API keys are on', () => {
    expect(parse("*", true)).toEqual({ origins: "*", problems: [] });
  });

  it('refuses "*" without API keys, and beside listed origins', () => {
    expect(parse("*").problems).toEqual([expect.stringContaining('"*" needs access control on')]);
    expect(parse(`*,${APP}`, true).problems).toEqual([expect.stringContaining('"*" must stand alone')]);
  });
});

describe("corsResponseHeaders", () => {
  it("grants an allowed origin, echoed, exposes x-request-id and varies by Origin", () => {
    expect(corsResponseHeaders(LISTED, { origin: APP })).toEqual({
      vary: "Origin",
      "access-control-allow-origin": APP,
      "access-control-expose-headers": "x-request-id",
    });
  });

  it("matches origins exactly: another scheme, port or subdomain gets no grant", () => {
    for (const origin of [
      "http://app.example.com",
      "https://app.example.com:8443",
      "https://x.app.example.com",
    ]) {
      expect(corsResponseHeaders(LISTED, { origin })).toEqual({ vary: "Origin" });
    }
  });

  it("still varies by Origin without an Origin header, so caches never hand a grant to another origin", () => {
    expect(corsResponseHeaders(LISTED, {})).toEqual({ vary: "Origin" });
  });

  it("never allows credentials", () => {
    expect(corsResponseHeaders(LISTED, { origin: APP })).not.toHaveProperty(
      "access-control-allow-credentials",
    );
    expect(corsResponseHeaders("*", { origin: APP })).not.toHaveProperty("access-control-allow-credentials");
  });

  it('answers any origin with "*" and no Vary when every origin is allowed', () => {
    expect(corsResponseHeaders("*", { origin: "https://anyone.example" })).toEqual({
      "access-control-allow-origin": "*",
      "access-control-expose-headers": "x-request-id",
    });
  });

  it("adds nothing when no origin is configured", () => {
    expect(corsResponseHeaders([], { origin: APP })).toEqual({});
  });
});

describe("answerOptions", () => {
  it("answers a preflight from an allowed origin with 204 and the methods, headers and max age", () => {
    expect(answerOptions(LISTED, { origin: LOCAL, ...PREFLIGHT })).toEqual({
      status: 204,
      headers: {
        vary: "Origin",
        "access-control-allow-origin": LOCAL,
        "access-control-allow-methods": "GET, POST",
        "access-control-allow-headers":
          "content-type, authorization, apollo-require-preflight, x-apollo-operation-name, x-request-id, traceparent, tracestate",
        "access-control-max-age": "600",
      },
    });
  });

  it("refuses a preflight from another origin with 403, no grant, and a stable code", () => {
    const answer = answerOptions(LISTED, { origin: "https://evil.example", ...PREFLIGHT });
    expect(answer.status).toBe(403);
    expect(answer.headers).toEqual({ vary: "Origin" });
    expect(answer.body?.errors[0]?.extensions.code).toBe(CORS_ORIGIN_NOT_ALLOWED);
  });

  it("refuses every preflight when no origin is configured", () => {
    const answer = answerOptions([], { origin: APP, ...PREFLIGHT });
    expect(answer.status).toBe(403);
    expect(answer.headers).toEqual({});
  });

  it('grants "*" to any origin', () => {
    const answer = answerOptions("*", { origin: "https://anyone.example", ...PREFLIGHT });
    expect(answer.status).toBe(204);
    expect(answer.headers["access-control-allow-origin"]).toBe("*");
  });

  it("answers an OPTIONS that is not a preflight with 204 and the allowed methods", () => {
    expect(answerOptions(LISTED, {})).toEqual({
      status: 204,
      headers: { allow: "GET, POST, OPTIONS", vary: "Origin" },
    });
    expect(answerOptions(LISTED, { origin: "https://evil.example" }).status).toBe(204);
  });
});
