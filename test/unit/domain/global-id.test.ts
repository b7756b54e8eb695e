import { decodeGlobalId, encodeGlobalId, taskIdentityKey } from "../../../src/domain/global-id";
import type { TaskRef } from "../../../src/domain/prefetch-task";

describe("global ids", () => {
  const ref: TaskRef = {
    provider: "BAIDU_GEO",
    account: "default",
    site: "www.example.com",
    taskId: "abc|def",
    createdAt: null,
  };
  const created = new Date("2025-11-10T02:50:39Z");

  it("round-trip a ref, including a delimiter inside a part", () => {
    expect(decodeGlobalId(encodeGlobalId(ref))).toEqual(ref);
  });

  it("round-trip a ref without a site", () => {
    const wangsu: TaskRef = {
      provider: "WANGSU_CDN_PRO",
      account: "eu",
      site: null,
      taskId: "5dca2205f9e9cc0001df7b33",
      createdAt: null,
    };
    expect(decodeGlobalId(encodeGlobalId(wangsu))).toEqual(wangsu);
  });

  it("are stable: the same ref always gives the same id", () => {
    expect(encodeGlobalId({ ...ref })).toBe(encodeGlobalId(ref));
  });

  it("differ between accounts for the same provider task id", () => {
    expect(encodeGlobalId({ ...ref, account: "other" })).not.toBe(encodeGlobalId(ref));
  });

  it("round-trip a ref with its createdAt hint, in whole seconds", () => {
    const hinted = { ...ref, createdAt: created };
    expect(decodeGlobalId(encodeGlobalId(hinted))).toEqual(hinted);
    const fraction = { ...ref, createdAt: new Date("2025-11-10T02:50:39.750Z") };
    expect(decodeGlobalId(encodeGlobalId(fraction))).toEqual(hinted);
    expect(encodeGlobalId(fraction)).toBe(encodeGlobalId(hinted));
  });

  it("write the hint as a sixth field of epoch seconds, and nothing where there is none", () => {
    const fields = (id: string): string[] => Buffer.from(id, "base64url").toString("utf8").split("|");
    expect(fields(encodeGlobalId({ ...ref, createdAt: created }))).toEqual([
      "PrefetchTask:1",
      "BAIDU_GEO",
      "default",
      "www.example.com",
      "abc%7Cdef",
      "1762743039",
    ]);
    // A ref without a hint (every Wangsu ref) keeps the five-field id it always had.
    expect(fields(encodeGlobalId(ref))).toHaveLength(5);
    const { createdAt: _omitted, ...bare } = ref;
    expect(encodeGlobalId(bare)).toBe(encodeGlobalId(ref));
  });

  it("still decode five-field ids, issued before the hint, with no createdAt", () => {
    const legacy = Buffer.from("PrefetchTask:1|BAIDU_GEO|default|www.example.com|abc%7Cdef").toString(
      "base64url",
    );
    expect(decodeGlobalId(legacy)).toEqual(ref);
    expect(encodeGlobalId(decodeGlobalId(legacy)!)).toBe(legacy);
  });

  it("decode an empty sixth field as no createdAt", () => {
    const id = Buffer.from("PrefetchTask:1|BAIDU_GEO|default|www.example.com|abc%7Cdef|").toString(
      "base64url",
    );
    expect(decodeGlobalId(id)).toEqual(ref);
  });

  it("differ by createdAt, while the identity key does not", () => {
    const hinted = { ...ref, createdAt: created };
    expect(encodeGlobalId(hinted)).not.toBe(encodeGlobalId(ref));
    expect(taskIdentityKey(hinted)).toBe(taskIdentityKey(ref));
    expect(taskIdentityKey({ ...ref, createdAt: new Date(0) })).toBe(taskIdentityKey(ref));
  });

  it("key identity by provider, account, site and task id", () => {
    const keys = [
      ref,
      { ...ref, provider: "WANGSU_CDN_PRO" as const },
      { ...ref, account: "other" },
      { ...ref, site: "static.example.com" },
      { ...ref, site: null },
      { ...ref, taskId: "abc" },
    ].map(taskIdentityKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each([
    "",
    "not base64!",
    Buffer.from("PrefetchTask:1|NOPE|a||b").toString("base64url"),
    Buffer.from("x").toString("base64url"),
    Buffer.from("PrefetchTask:1|BAIDU_GEO|a|s|b|yesterday").toString("base64url"),
    Buffer.from("PrefetchTask:1|BAIDU_GEO|a|s|b|-5").toString("base64url"),
    Buffer.from("PrefetchTask:1|BAIDU_GEO|a|s|b|1762743039|x").toString("base64url"),
  ])("decode %j to null", (id) => {
    expect(decodeGlobalId(id)).toBeNull();
  });
});
