import { Access, OPEN_ACCESS, type AccessGrant } from "../../../src/access/access";
import { feedSources } from "../../../src/access/feed-sources";
import { ProviderRegistry } from "../../../src/providers/registry";
import { codeThrownBy } from "../../support/error-codes";
import { fakeListProvider } from "../../support/fake-list-provider";

const SITE = "www.example.com";
const registry = new ProviderRegistry([
  fakeListProvider("WANGSU_CDN_PRO", "eu", [], { order: "desc" }),
  fakeListProvider("BAIDU_GEO", "cn", [], { order: "asc" }),
  fakeListProvider("WANGSU_CDN_PRO", "cn", [], { order: "desc" }),
]);
const keyed = (...grants: AccessGrant[]): Access => new Access("key", grants, false);
const names = (query: Partial<Parameters<typeof feedSources>[2]>, access: Access = OPEN_ACCESS): string[] =>
  feedSources(registry, access, { site: SITE, providers: null, accounts: null, ...query }).map(
    (p) => `${p.kind}/${p.account.name}`,
  );

describe("the accounts of a site's feed", () => {
  it("are every account, in ProviderKind then account-name order", () => {
    expect(names({})).toEqual(["BAIDU_GEO/cn", "WANGSU_CDN_PRO/cn", "WANGSU_CDN_PRO/eu"]);
  });

  it("are narrowed by providers and accounts", () => {
    expect(names({ providers: ["WANGSU_CDN_PRO"] })).toEqual(["WANGSU_CDN_PRO/cn", "WANGSU_CDN_PRO/eu"]);
    expect(names({ accounts: ["cn"] })).toEqual(["BAIDU_GEO/cn", "WANGSU_CDN_PRO/cn"]);
    expect(names({ providers: ["BAIDU_GEO", "BAIDU_GEO"], accounts: ["cn", "cn"] })).toEqual([
      "BAIDU_GEO/cn",
    ]);
  });

  it("leave out, unasked, what the key may not read", () => {
    const wangsuEu = keyed({ provider: "WANGSU_CDN_PRO", account: "eu", sites: null });
    expect(names({}, wangsuEu)).toEqual(["WANGSU_CDN_PRO/eu"]);
    const otherSite = keyed(
      { provider: "*", account: "*", sites: ["static.example.com"] },
      { provider: "BAIDU_GEO", account: "cn", sites: ["*.example.com"] },
    );
    expect(names({}, otherSite)).toEqual(["BAIDU_GEO/cn"]);
  });

  it("refuse what was named with the errors prefetchTasks gives", () => {
    const wangsuEu = keyed({ provider: "WANGSU_CDN_PRO", account: "eu", sites: null });
    const code = (query: Partial<Parameters<typeof feedSources>[2]>, access: Access = OPEN_ACCESS) =>
      codeThrownBy(() =>
        feedSources(registry, access, { site: SITE, providers: null, accounts: null, ...query }),
      );
    expect(code({ accounts: ["nope"] })).toBe("ACCOUNT_NOT_CONFIGURED");
    expect(code({ accounts: ["nope"] }, wangsuEu)).toBe("FORBIDDEN");
    expect(code({ accounts: ["cn"] }, wangsuEu)).toBe("FORBIDDEN");
    expect(code({ providers: ["BAIDU_GEO"] }, wangsuEu)).toBe("FORBIDDEN");
    expect(
      code({ accounts: ["eu"] }, keyed({ provider: "*", account: "*", sites: ["static.example.com"] })),
    ).toBe("FORBIDDEN");
    expect(code({}, keyed({ provider: "*", account: "*", sites: ["static.example.com"] }))).toBe("FORBIDDEN");
    const empty = new ProviderRegistry([]);
    expect(
      codeThrownBy(() =>
        feedSources(empty, OPEN_ACCESS, { site: SITE, providers: ["BAIDU_GEO"], accounts: null }),
      ),
    ).toBe("ACCOUNT_NOT_CONFIGURED");
  });

  it("refuse a named provider whose accounts the key may use but not for this site, as prefetchTasks does", () => {
    const key = keyed(
      { provider: "WANGSU_CDN_PRO", account: "eu", sites: null },
      { provider: "BAIDU_GEO", account: "cn", sites: ["static.example.com"] },
    );
    // Unnamed, Baidu is left out; named, it is not silently dropped.
    expect(names({}, key)).toEqual(["WANGSU_CDN_PRO/eu"]);
    let error: unknown;
    try {
      feedSources(registry, key, { site: SITE, providers: ["BAIDU_GEO", "WANGSU_CDN_PRO"], accounts: null });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: "FORBIDDEN",
      extensions: { provider: "BAIDU_GEO", argumentName: "site" },
    });
    // The same key's prefetchTasks(provider: BAIDU_GEO, site) is refused for the same reason.
    expect(key.allowsAccount("BAIDU_GEO", "cn")).toBe(true);
    expect(key.allowsSite("BAIDU_GEO", "cn", SITE)).toBe(false);
    expect(names({ providers: ["WANGSU_CDN_PRO"] }, key)).toEqual(["WANGSU_CDN_PRO/eu"]);
  });

  it("name the account and the argument of an account configured nowhere", () => {
    let error: unknown;
    try {
      feedSources(registry, OPEN_ACCESS, { site: SITE, providers: ["BAIDU_GEO"], accounts: ["eu"] });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: "ACCOUNT_NOT_CONFIGURED",
      extensions: { provider: "BAIDU_GEO", account: "eu", argumentName: "accounts" },
    });
  });
});
