import { UpstreamError } from "../../../../src/errors/app-error";
import { JsonReader, readErrorBody } from "../../../../src/providers/shared/json-reader";

function failure(quoteValues: boolean): UpstreamError {
  const r = new JsonReader({ provider: "BAIDU_GEO", account: "acct", what: "prefetch status", quoteValues });
  try {
    r.oneOf(["waiting", "failed"], "done", "details[1].status");
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    return error as UpstreamError;
  }
  throw new Error("expected UPSTREAM_BAD_RESPONSE, nothing was thrown");
}

describe("JsonReader", () => {
  it("fails with UPSTREAM_BAD_RESPONSE naming the provider, the payload, the path and what was expected", () => {
    const error = failure(false);
    expect(error.code).toBe("UPSTREAM_BAD_RESPONSE");
    expect(error.message).toBe(
      "Baidu GEO sent a malformed prefetch status: details[1].status should be one of waiting, failed.",
    );
    expect(error.extensions).toEqual({ provider: "BAIDU_GEO", account: "acct" });
  });

  it("quotes the offending value only where asked to", () => {
    expect(failure(true).message).toContain('(got "done")');
    expect(failure(false).message).not.toContain("done");
  });

  it("bounds a quoted value", () => {
    const r = new JsonReader({ provider: "BAIDU_GEO", account: "a", what: "x", quoteValues: true });
    expect(() => r.object("y".repeat(500), "o")).toThrow(/"y{56}\.\.\.\)\.$/);
  });
});

describe("readErrorBody", () => {
  it("reads the code, message and request id of an error body", () => {
    const body = '{"code":"SignatureDoesNotMatch","message":"bad sig","requestId":"r-1"}';
    expect(readErrorBody(body)).toEqual({
      code: "SignatureDoesNotMatch",
      message: "bad sig",
      requestId: "r-1",
    });
  });

  it("answers nulls for an error body that is not JSON, is not an object, or lacks fields", () => {
    expect(readErrorBody("<html>Bad Gateway</html>")).toEqual({ code: null, message: null, requestId: null });
    expect(readErrorBody('{"code":"InternalError"}')).toEqual({
      code: "InternalError",
      message: null,
      requestId: null,
    });
    expect(readErrorBody('["x"]')).toEqual({ code: null, message: null, requestId: null });
    expect(readErrorBody("[1,2]")).toEqual({ code: null, message: null, requestId: null });
  });
});
