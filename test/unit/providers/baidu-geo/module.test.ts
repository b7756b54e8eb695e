import { validateSync } from "class-validator";
import pino from "pino";
import { MockAgent } from "undici";
import { UNLIMITED_BUDGET } from "../../../../src/http/rate-budget";
import { BaiduGeoCredentials, baiduGeoModule } from "../../../../src/providers/baidu-geo";

function credentials(raw: Record<string, unknown>): BaiduGeoCredentials {
  return Object.assign(new BaiduGeoCredentials(), raw);
}

describe("Baidu GEO provider module", () => {
  it("declares Baidu's page size, 30-day window, required site and an undocumented order", () => {
    expect(baiduGeoModule.kind).toBe("BAIDU_GEO");
    expect(baiduGeoModule.capabilities).toEqual({
      pageSize: 100,
      maxWindowMs: 30 * 24 * 60 * 60 * 1000,
      order: "desc", // a first guess, learnt per account
      orderDocumented: false,
      siteRequired: true,
      listRowsComplete: true,
      statuses: ["WAITING", "IN_PROGRESS", "COMPLETED", "FAILED"],
    });
    expect(baiduGeoModule.defaultEndpoint).toBe("https://geo.baidubce.com");
    expect(baiduGeoModule.defaultRateLimit).toBeNull();
  });

  it("names the environment variables of the default account", () => {
    expect(baiduGeoModule.env).toEqual({
      endpoint: "BAIDU_GEO_ENDPOINT",
      credentials: { accessKeyId: "BAIDU_GEO_ACCESS_KEY_ID", secretAccessKey: "BAIDU_GEO_SECRET_ACCESS_KEY" },
    });
  });

  it("accepts a complete key pair", () => {
    expect(validateSync(credentials({ accessKeyId: "ak", secretAccessKey: "sk" }))).toEqual([]);
  });

  it("rejects a missing, empty or non-string key", () => {
    const errors = validateSync(credentials({ accessKeyId: "", secretAccessKey: 42 }));
    expect(errors.map((e) => e.property).sort()).toEqual(["accessKeyId", "secretAccessKey"]);
    expect(
      validateSync(credentials({}))
        .map((e) => e.property)
        .sort(),
    ).toEqual(["accessKeyId", "secretAccessKey"]);
  });

  it("creates a provider on the dispatcher of the endpoint's origin", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const origins: string[] = [];
    const provider = baiduGeoModule.create(
      {
        name: "main",
        endpoint: "http://127.0.0.1:4567/",
        credentials: credentials({ accessKeyId: "ak", secretAccessKey: "sk" }),
        sandbox: true,
      },
      {
        dispatcherFor: (origin) => {
          origins.push(origin);
          return agent;
        },
        logger: pino({ level: "silent" }),
        budget: UNLIMITED_BUDGET,
      },
    );
    expect(origins).toEqual(["http://127.0.0.1:4567"]);
    expect(provider.kind).toBe("BAIDU_GEO");
    expect(provider.account).toEqual({
      name: "main",
      provider: "BAIDU_GEO",
      endpoint: "http://127.0.0.1:4567",
      sandbox: true,
    });
    expect(provider.lastOutcome()).toBeNull();
    await agent.close();
  });
});
