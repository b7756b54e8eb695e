import pino from "pino";
import { MockAgent } from "undici";
import { UpstreamError } from "../../../src/errors/app-error";
import { UpstreamHttp, type UpstreamResponse } from "../../../src/http/upstream-http";

const agent = new MockAgent();
agent.disableNetConnect();

afterAll(async () => {
  await agent.close();
});

function http(): UpstreamHttp {
  return new UpstreamHttp({
    provider: "BAIDU_GEO",
    account: "main",
    origin: "https://upstream.example",
    dispatcher: agent,
    logger: pino({ level: "silent" }),
  });
}

function response(
  statusCode: number,
  text: string,
  headers: UpstreamResponse["headers"] = {},
): UpstreamResponse {
  return { statusCode, headers, text, retryAfterSeconds: null };
}

const refused = (res: UpstreamResponse) =>
  new UpstreamError("UPSTREAM_BAD_REQUEST", `refused ${res.statusCode}`, {
    provider: "BAIDU_GEO",
    account: "main",
  });

function thrown(run: () => unknown): UpstreamError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    return error as UpstreamError;
  }
  throw new Error("expected an UpstreamError, nothing was thrown");
}

describe("UpstreamHttp.readJson", () => {
  it("narrows a 2xx body and records a successful call", () => {
    const h = http();
    const value = h.readJson(response(200, '{"n":1}'), { narrow: (b) => b, statusError: refused });
    expect(value).toEqual({ n: 1 });
    expect(h.lastOutcome).toMatchObject({ ok: true });
  });

  it("throws the provider's error for another status, without reading the body, and records its code", () => {
    const h = http();
    const narrow = jest.fn();
    const error = thrown(() => h.readJson(response(400, "not json"), { narrow, statusError: refused }));
    expect(error.message).toBe("refused 400");
    expect(narrow).not.toHaveBeenCalled();
    expect(h.lastOutcome).toMatchObject({ ok: false, code: "UPSTREAM_BAD_REQUEST" });
  });

  it("reports a 2xx body that is not JSON as UPSTREAM_BAD_RESPONSE with the status and the request id header", () => {
    const h = http();
    const error = thrown(() =>
      h.readJson(response(200, "<html>ok</html>", { "x-req": "r-9" }), {
        narrow: (b) => b,
        statusError: refused,
        requestIdHeader: "X-Req",
      }),
    );
    expect(error.code).toBe("UPSTREAM_BAD_RESPONSE");
    expect(error.message).toBe("Baidu GEO answered HTTP 200 with a body that is not JSON.");
    expect(error.extensions).toEqual({
      provider: "BAIDU_GEO",
      account: "main",
      upstreamStatus: 200,
      upstreamRequestId: "r-9",
    });
    expect(h.lastOutcome).toMatchObject({ ok: false, code: "UPSTREAM_BAD_RESPONSE" });
  });

  it("records the code of a body the narrowing refuses", () => {
    const h = http();
    const bad = new UpstreamError("UPSTREAM_BAD_RESPONSE", "bad", { provider: "BAIDU_GEO", account: "main" });
    const narrow = () => {
      throw bad;
    };
    expect(thrown(() => h.readJson(response(200, "{}"), { narrow, statusError: refused }))).toBe(bad);
    expect(h.lastOutcome).toMatchObject({ ok: false, code: "UPSTREAM_BAD_RESPONSE" });
  });
});
