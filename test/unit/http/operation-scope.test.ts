import { AppError } from "../../../src/errors/app-error";
import { OperationScope } from "../../../src/http/operation-scope";

function scope(maxCalls = 200): OperationScope {
  return new OperationScope({ maxCalls, caller: "ip:127.0.0.1", deadlineMs: null });
}

function refusal(run: () => void): AppError {
  try {
    run();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected the call to be refused");
}

describe("OperationScope's share of an account", () => {
  it("refuses the call past its share with OPERATION_LIMIT_EXCEEDED naming the account and the limit", () => {
    const s = scope();
    for (let i = 0; i < 3; i++) s.reserveCall("WANGSU_CDN_PRO", "eu", 3);
    const err = refusal(() => s.reserveCall("WANGSU_CDN_PRO", "eu", 3));
    expect(err.code).toBe("OPERATION_LIMIT_EXCEEDED");
    expect(err.extensions).toEqual({ provider: "WANGSU_CDN_PRO", account: "eu", maxAccountCalls: 3 });
    expect(err.message).toContain('account "eu"');
    expect(s.upstreamCalls).toBe(3);
  });

  it("counts each account's calls apart", () => {
    const s = scope();
    for (let i = 0; i < 3; i++) s.reserveCall("WANGSU_CDN_PRO", "eu", 3);
    expect(() => s.reserveCall("WANGSU_CDN_PRO", "us", 3)).not.toThrow();
    expect(() => s.reserveCall("BAIDU_GEO", "eu", null)).not.toThrow();
  });

  it("frees a share for a call handed back unsent", () => {
    const s = scope();
    for (let i = 0; i < 3; i++) s.reserveCall("WANGSU_CDN_PRO", "eu", 3);
    s.releaseCall("WANGSU_CDN_PRO", "eu");
    expect(() => s.reserveCall("WANGSU_CDN_PRO", "eu", 3)).not.toThrow();
  });

  it("still reports the overall cap as before where it is reached first", () => {
    const s = scope(2);
    s.reserveCall("WANGSU_CDN_PRO", "eu", 30);
    s.reserveCall("BAIDU_GEO", "cn", null);
    expect(refusal(() => s.reserveCall("WANGSU_CDN_PRO", "eu", 30)).extensions).toEqual({
      maxUpstreamCalls: 2,
    });
  });
});
