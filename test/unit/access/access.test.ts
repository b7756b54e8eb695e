import { Access, OPEN_ACCESS, siteMatches } from "../../../src/access/access";
import { ApiKeyTable, apiKeyDigest } from "../../../src/access/api-keys";
import type { PrefetchTask, TaskRef } from "../../../src/domain/prefetch-task";
import { testTask } from "../../support/tasks";

const baidu = (site: string | null, account = "default"): TaskRef => ({
  provider: "BAIDU_GEO",
  account,
  taskId: "t-1",
  site,
});
const wangsu: TaskRef = { provider: "WANGSU_CDN_PRO", account: "default", taskId: "w-1", site: null };

function task(ref: TaskRef, site: string | null, urls: string[]): PrefetchTask {
  return testTask(ref, { site, targets: urls.map((url) => ({ url, headers: [] })) });
}

describe("Access", () => {
  const ops = new Access(
    "ops",
    [
      { provider: "BAIDU_GEO", account: "default", sites: ["www.example.com", "*.img.example.net"] },
      { provider: "WANGSU_CDN_PRO", account: "*", sites: ["static.example.com"] },
    ],
    false,
  );

  it("allows an account where a grant names its provider and account, or a wildcard", () => {
    expect(ops.allowsAccount("BAIDU_GEO", "default")).toBe(true);
    expect(ops.allowsAccount("BAIDU_GEO", "other")).toBe(false);
    expect(ops.allowsAccount("WANGSU_CDN_PRO", "anything")).toBe(true);
    expect(OPEN_ACCESS.allowsAccount("BAIDU_GEO", "anything")).toBe(true);
  });

  it("allows a site by exact hostname (any case) or a *.suffix pattern, and no site only without sites", () => {
    expect(ops.allowsSite("BAIDU_GEO", "default", "WWW.example.com")).toBe(true);
    expect(ops.allowsSite("BAIDU_GEO", "default", "a.b.img.example.net")).toBe(true);
    expect(ops.allowsSite("BAIDU_GEO", "default", "img.example.net")).toBe(false);
    expect(ops.allowsSite("BAIDU_GEO", "default", "static.example.com")).toBe(false);
    expect(ops.allowsSite("BAIDU_GEO", "default", null)).toBe(false);
    expect(OPEN_ACCESS.allowsSite("WANGSU_CDN_PRO", "x", null)).toBe(true);
  });

  it("denies a ref of another account or site before any lookup, and defers a siteless ref to its task", () => {
    expect(ops.refDecision(baidu("www.example.com"))).toBe("allow");
    expect(ops.refDecision(baidu("static.example.com"))).toBe("deny");
    expect(ops.refDecision(baidu("www.example.com", "other"))).toBe("deny");
    expect(ops.refDecision(wangsu)).toBe("check-task");
    expect(OPEN_ACCESS.refDecision(wangsu)).toBe("allow");
  });

  it("shows a siteless task only where one of its URLs' hosts (or its site) is allowed", () => {
    expect(
      ops.allowsTask(task(wangsu, null, ["https://static.example.com/a.js", "https://www.example.com/"])),
    ).toBe(true);
    expect(ops.allowsTask(task(wangsu, "www.example.com", ["https://www.example.com/"]))).toBe(false);
    expect(ops.allowsTask(task(wangsu, null, ["not a url"]))).toBe(false);
  });

  it("matches *.suffix on subdomains at any depth but not the suffix itself", () => {
    expect(siteMatches("*.example.com", "a.example.com")).toBe(true);
    expect(siteMatches("*.example.com", "a.b.example.com.")).toBe(true);
    expect(siteMatches("*.example.com", "example.com")).toBe(false);
    expect(siteMatches("*.example.com", "badexample.com")).toBe(false);
  });
});

describe("ApiKeyTable", () => {
  const table = new ApiKeyTable([
    { name: "ops", sha256: apiKeyDigest("ops-secret"), allow: [], federation: false },
    { name: "router", sha256: apiKeyDigest("router-secret"), allow: [], federation: true },
  ]);

  it("finds a key by the SHA-256 of the bearer token", () => {
    const auth = table.authenticate("Bearer router-secret");
    expect(auth.ok && auth.access.keyName).toBe("router");
    expect(auth.ok && auth.access.federation).toBe(true);
    const lower = table.authenticate("bearer   ops-secret ");
    expect(lower.ok && lower.access.keyName).toBe("ops");
  });

  it("tells a missing or non-bearer header from an unknown key", () => {
    expect(table.authenticate(undefined)).toEqual({ ok: false, failure: "missing" });
    expect(table.authenticate("Basic b3BzOnNlY3JldA==")).toEqual({ ok: false, failure: "missing" });
    expect(table.authenticate("Bearer ops-secreT")).toEqual({ ok: false, failure: "unknown" });
    expect(table.authenticate(`Bearer ${"x".repeat(600)}`)).toEqual({ ok: false, failure: "unknown" });
  });
});
