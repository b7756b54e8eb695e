import { decodeGlobalId, encodeGlobalId, taskIdentityKey } from "../../../src/domain/global-id";
import type { TaskRef } from "../../../src/domain/prefetch-task";
import { taskRefRules } from "../../../src/graphql/validators";

describe("global ids", () => {
  const ref: TaskRef = {
    provider: "BAIDU_GEO",
    account: "default",
    site: "www.example.com",
    taskId: "abc|def",
    createdAt: null,
  };
  const created = new Date("2025-11-10T02:50:39Z");
  const now = new Date("2026-01-15T00:00:00Z");
  const rules = taskRefRules(now);

  it("round-trip a ref, including a delimiter inside a part", () => {
    expect(decodeGlobalId(encodeGlobalId(ref), rules)).toEqual(ref);
  });

  it("round-trip a ref without a site", () => {
    const wangsu: TaskRef = {
      provider: "WANGSU_CDN_PRO",
      account: "eu",
      site: null,
      taskId: "5dca2205f9e9cc0001df7b33",
      createdAt: null,
    };
    expect(decodeGlobalId(encodeGlobalId(wangsu), rules)).toEqual(wangsu);
  });

  it("are stable: the same ref always gives the same id", () => {
    expect(encodeGlobalId({ ...ref })).toBe(encodeGlobalId(ref));
  });

  it("differ between accounts for the same provider task id", () => {
    expect(encodeGlobalId({ ...ref, account: "other" })).not.toBe(encodeGlobalId(ref));
  });

  it("round-trip a ref with its createdAt hint, in whole seconds", () => {
    const hinted = { ...ref, createdAt: created };
    expect(decodeGlobalId(encodeGlobalId(hinted), rules)).toEqual(hinted);
    const fraction = { ...ref, createdAt: new Date("2025-11-10T02:50:39.750Z") };
    expect(decodeGlobalId(encodeGlobalId(fraction), rules)).toEqual(hinted);
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
    expect(decodeGlobalId(legacy, rules)).toEqual(ref);
    expect(encodeGlobalId(decodeGlobalId(legacy, rules)!)).toBe(legacy);
  });

  it("decode an empty sixth field as no createdAt", () => {
    const id = Buffer.from("PrefetchTask:1|BAIDU_GEO|default|www.example.com|abc%7Cdef|").toString(
      "base64url",
    );
    expect(decodeGlobalId(id, rules)).toEqual(ref);
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

  it("keep identities apart even where a NUL shifts the fields (the key joins them with NUL)", () => {
    const keys = [
      { ...ref, site: "a\0b", taskId: "c" },
      { ...ref, site: "a", taskId: "b\0c" },
      { ...ref, account: "x\0y", site: "s", taskId: "t" },
      { ...ref, account: "x", site: "y\0s", taskId: "t" },
      { ...ref, account: "x", site: "y", taskId: "s\0t" },
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
    expect(decodeGlobalId(id, rules)).toBeNull();
  });

  /** An id built by hand, as a forger would: the same fields an issued id has, any values. */
  const forged = (...fields: string[]): string =>
    Buffer.from(["PrefetchTask:1", ...fields.map((f) => encodeURIComponent(f))].join("|")).toString(
      "base64url",
    );

  it.each([
    [
      "a createdAt in the year 33658",
      forged("BAIDU_GEO", "default", "www.example.com", "t1", "1000000000000"),
    ],
    ["a createdAt before 2000", forged("BAIDU_GEO", "default", "www.example.com", "t1", "946684799")],
    [
      "a createdAt more than a day after now",
      forged("BAIDU_GEO", "default", "www.example.com", "t1", String(now.getTime() / 1000 + 86_401)),
    ],
    ["a site that is not a hostname", forged("BAIDU_GEO", "default", "https://www.example.com/x", "t1")],
    ["a site of a 300-character label", forged("BAIDU_GEO", "default", `${"a".repeat(300)}.com`, "t1")],
    ["no site for a provider that needs one", forged("BAIDU_GEO", "default", "", "t1")],
    [
      "a site for a provider whose identities carry none",
      forged("WANGSU_CDN_PRO", "eu", "www.example.com", "t1"),
    ],
    [
      "a task id longer than 256 characters",
      forged("BAIDU_GEO", "default", "www.example.com", "t".repeat(257)),
    ],
    ["a task id with a space", forged("BAIDU_GEO", "default", "www.example.com", "t 1")],
    ["an account that no config could name", forged("BAIDU_GEO", "-bad account", "www.example.com", "t1")],
  ])("decode an id with %s to null, as the typed arguments would refuse it", (_what, id) => {
    expect(decodeGlobalId(id, rules)).toBeNull();
  });

  it("accept the bounds themselves: 2000-01-01 and a day after now", () => {
    for (const seconds of ["946684800", String(now.getTime() / 1000 + 86_400)]) {
      const ref = decodeGlobalId(forged("BAIDU_GEO", "default", "www.example.com", "t1", seconds), rules);
      expect(ref?.createdAt?.getTime()).toBe(Number(seconds) * 1000);
    }
  });
});
