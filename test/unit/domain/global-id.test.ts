import { decodeGlobalId, encodeGlobalId } from "../../../src/domain/global-id";
import type { TaskRef } from "../../../src/domain/prefetch-task";

describe("global ids", () => {
  const ref: TaskRef = {
    provider: "BAIDU_GEO",
    account: "default",
    site: "www.example.com",
    taskId: "abc|def",
  };

  it("round-trip a ref, including a delimiter inside a part", () => {
    expect(decodeGlobalId(encodeGlobalId(ref))).toEqual(ref);
  });

  it("round-trip a ref without a site", () => {
    const wangsu: TaskRef = {
      provider: "WANGSU_CDN_PRO",
      account: "eu",
      site: null,
      taskId: "5dca2205f9e9cc0001df7b33",
    };
    expect(decodeGlobalId(encodeGlobalId(wangsu))).toEqual(wangsu);
  });

  it("are stable: the same ref always gives the same id", () => {
    expect(encodeGlobalId({ ...ref })).toBe(encodeGlobalId(ref));
  });

  it("differ between accounts for the same provider task id", () => {
    expect(encodeGlobalId({ ...ref, account: "other" })).not.toBe(encodeGlobalId(ref));
  });

  it.each([
    "",
    "not base64!",
    Buffer.from("PrefetchTask:1|NOPE|a||b").toString("base64url"),
    Buffer.from("x").toString("base64url"),
  ])("decode %j to null", (id) => {
    expect(decodeGlobalId(id)).toBeNull();
  });
});
