import {
  apiKeyAuthorization,
  apiKeyPassword,
  parseRfc1123,
  verifyApiKeyRequest,
} from "../../../../src/sandbox/wangsu-cdn-pro/auth";
import { basicAuthorization } from "./sandbox-client";

// Self-computed from the documented algorithm and the documents' example names (PROVIDERS.md section 3).
const VECTOR = {
  username: "example_username",
  apiKey: "example_apiKey",
  date: "Thu, 17 May 2012 19:37:58 GMT",
  password: "F4uiPWGMcZpiDhA2JE1ngb2vp6c=",
  authorization: "Basic ZXhhbXBsZV91c2VybmFtZTpGNHVpUFdHTWNacGlEaEEySkUxbmdiMnZwNmM9",
};
const VECTOR_MS = Date.UTC(2012, 4, 17, 19, 37, 58);
const credentials = new Map([[VECTOR.username, VECTOR.apiKey]]);

function verify(headers: Record<string, string>, nowMs = VECTOR_MS, maxClockSkewSeconds = 300) {
  return verifyApiKeyRequest(headers, { credentials, nowMs, maxClockSkewSeconds });
}

describe("the emulator's API-key signer", () => {
  it("derives the documented example's password as base64(HMAC-SHA1(apiKey, Date))", () => {
    expect(apiKeyPassword(VECTOR.apiKey, VECTOR.date)).toBe(VECTOR.password);
  });

  it("builds the example's Basic Authorization header", () => {
    expect(apiKeyAuthorization({ username: VECTOR.username, apiKey: VECTOR.apiKey }, VECTOR.date)).toBe(
      VECTOR.authorization,
    );
  });

  it("agrees with the tests' independent signer on the same vector", () => {
    expect(basicAuthorization(VECTOR.username, VECTOR.apiKey, VECTOR.date)).toBe(VECTOR.authorization);
  });
});

describe("parseRfc1123", () => {
  it("reads the documents' example date", () => {
    expect(parseRfc1123(VECTOR.date)).toBe(VECTOR_MS);
  });

  it("reads what Date#toUTCString produces", () => {
    const date = new Date(Date.UTC(2024, 1, 29, 0, 0, 1));
    expect(parseRfc1123(date.toUTCString())).toBe(date.getTime());
  });

  it("accepts a one-digit day, as RFC 822 allows", () => {
    expect(parseRfc1123("Thu, 2 May 2024 08:00:00 GMT")).toBe(Date.UTC(2024, 4, 2, 8));
  });

  it.each([
    ["a German locale", "Do, 17 Mai 2012 19:37:58 GMT"],
    ["an ISO date", "2012-05-17T19:37:58Z"],
    ["a zone other than GMT", "Thu, 17 May 2012 19:37:58 +0800"],
    ["a date that is not on the calendar", "Thu, 31 Apr 2012 19:37:58 GMT"],
    ["a weekday that does not match", "Fri, 17 May 2012 19:37:58 GMT"],
    ["an hour past 23", "Thu, 17 May 2012 24:00:00 GMT"],
  ])("rejects %s", (_label, value) => {
    expect(parseRfc1123(value)).toBeNull();
  });
});

describe("verifyApiKeyRequest", () => {
  it("accepts the example's headers at the example's time", () => {
    expect(verify({ authorization: VECTOR.authorization, date: VECTOR.date })).toEqual({
      ok: true,
      username: VECTOR.username,
    });
  });

  it("verifies against x-cnc-date instead of Date when both are sent", () => {
    const outcome = verify({
      authorization: VECTOR.authorization,
      date: "Fri, 18 May 2012 19:37:58 GMT",
      "x-cnc-date": VECTOR.date,
    });
    expect(outcome.ok).toBe(true);
  });

  it("accepts the Basic scheme name in any case", () => {
    const authorization = VECTOR.authorization.replace("Basic", "basic");
    expect(verify({ authorization, date: VECTOR.date }).ok).toBe(true);
  });

  it("rejects a signature over a different date", () => {
    const outcome = verify({ authorization: VECTOR.authorization, date: "Thu, 17 May 2012 19:37:59 GMT" });
    expect(outcome).toMatchObject({ ok: false, code: "AuthenticationFailed" });
  });

  it("answers an unknown user exactly as it answers a wrong password", () => {
    const unknown = verify({
      authorization: basicAuthorization("nobody", VECTOR.apiKey, VECTOR.date),
      date: VECTOR.date,
    });
    const wrong = verify({
      authorization: basicAuthorization(VECTOR.username, "wrong", VECTOR.date),
      date: VECTOR.date,
    });
    expect(unknown).toEqual(wrong);
    expect(wrong).toMatchObject({ ok: false, code: "AuthenticationFailed" });
  });

  it.each([
    ["no Authorization header", {}],
    ["a Bearer token", { authorization: "Bearer abc" }],
    ["credentials that are not base64", { authorization: "Basic not*base64" }],
    [
      "credentials without a colon",
      { authorization: `Basic ${Buffer.from("justauser").toString("base64")}` },
    ],
  ])("rejects %s as AuthenticationFailed", (_label, headers: Record<string, string>) => {
    expect(verify({ ...headers, date: VECTOR.date })).toMatchObject({
      ok: false,
      code: "AuthenticationFailed",
    });
  });

  it("rejects a request without any date as InvalidDate", () => {
    expect(verify({ authorization: VECTOR.authorization })).toMatchObject({ ok: false, code: "InvalidDate" });
  });

  it("rejects a date more than the tolerance away from the server clock as RequestTimeTooSkewed", () => {
    const outcome = verify({ authorization: VECTOR.authorization, date: VECTOR.date }, VECTOR_MS + 301_000);
    expect(outcome).toMatchObject({ ok: false, code: "RequestTimeTooSkewed" });
  });

  it("accepts a date just inside the tolerance on either side", () => {
    const headers = { authorization: VECTOR.authorization, date: VECTOR.date };
    expect(verify(headers, VECTOR_MS + 300_000).ok).toBe(true);
    expect(verify(headers, VECTOR_MS - 300_000).ok).toBe(true);
  });
});
