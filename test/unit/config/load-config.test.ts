import { problemsOf } from "../../support/config-problems";
import { writeTempFile } from "../../support/temp-files";
import { sandboxApplies } from "../../../src/config/config";
import { loadConfig } from "../../../src/config/load-config";

function configFile(content: unknown): string {
  return writeTempFile("config.json", content);
}

describe("loadConfig", () => {
  it("defaults to port 4000, sandbox auto, GraphiQL on outside production, a generated cursor key", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      sandbox: "auto",
      graphiql: true,
      introspection: true,
      accounts: [],
      cursorSecretGenerated: true,
    });
    expect(config.cursorSecret).toHaveLength(32);
    expect(sandboxApplies(config)).toBe(true);
  });

  it("turns GraphiQL and introspection off in production unless enabled", () => {
    expect(loadConfig({ NODE_ENV: "production" })).toMatchObject({ graphiql: false, introspection: false });
    expect(loadConfig({ NODE_ENV: "production", PREFETCH_GRAPH_GRAPHIQL: "on" })).toMatchObject({
      graphiql: true,
      introspection: true,
    });
  });

  it("builds the default Baidu account from its env variables, with the documented endpoint", () => {
    const config = loadConfig({ BAIDU_GEO_ACCESS_KEY_ID: "ak", BAIDU_GEO_SECRET_ACCESS_KEY: "sk" });
    expect(config.accounts).toEqual([
      {
        name: "default",
        provider: "BAIDU_GEO",
        endpoint: "https://geo.baidubce.com",
        credentials: expect.objectContaining({ accessKeyId: "ak" }),
      },
    ]);
    expect(sandboxApplies(config)).toBe(false);
  });

  it("builds the default Wangsu account from its env variables", () => {
    const config = loadConfig({
      WANGSU_CDNPRO_USERNAME: "u",
      WANGSU_CDNPRO_API_KEY: "k",
      WANGSU_CDNPRO_ENDPOINT: "http://127.0.0.1:9000",
    });
    expect(config.accounts).toEqual([
      {
        name: "default",
        provider: "WANGSU_CDN_PRO",
        endpoint: "http://127.0.0.1:9000",
        credentials: expect.objectContaining({ username: "u" }),
      },
    ]);
  });

  it("never serves the sandbox on its own in production, where missing credentials must not mean made-up data", () => {
    expect(sandboxApplies(loadConfig({ NODE_ENV: "production" }))).toBe(false);
    expect(sandboxApplies(loadConfig({ NODE_ENV: "production", PREFETCH_GRAPH_SANDBOX: "on" }))).toBe(true);
  });

  it("reports an endpoint variable set without its credentials, and an endpoint with a password", () => {
    expect(problemsOf({ BAIDU_GEO_ENDPOINT: "https://geo.baidubce.com" })).toEqual([
      "BAIDU_GEO_ENDPOINT is set but BAIDU_GEO_ACCESS_KEY_ID and BAIDU_GEO_SECRET_ACCESS_KEY are not",
    ]);
    const problems = problemsOf({
      WANGSU_CDNPRO_USERNAME: "u",
      WANGSU_CDNPRO_API_KEY: "k",
      WANGSU_CDNPRO_ENDPOINT: "https://:hunter2@example.com",
    });
    expect(problems).toEqual([expect.stringContaining("WANGSU_CDNPRO_ENDPOINT")]);
    expect(problems.join()).not.toContain("hunter2");
  });

  it("serves the sandbox beside real accounts when asked to, and never when off", () => {
    const env = { BAIDU_GEO_ACCESS_KEY_ID: "ak", BAIDU_GEO_SECRET_ACCESS_KEY: "sk" };
    expect(sandboxApplies(loadConfig({ ...env, PREFETCH_GRAPH_SANDBOX: "on" }))).toBe(true);
    expect(sandboxApplies(loadConfig({ PREFETCH_GRAPH_SANDBOX: "off" }))).toBe(false);
  });

  it("lists every problem at once and never echoes a secret", () => {
    const problems = problemsOf({
      PORT: "70000",
      PREFETCH_GRAPH_SANDBOX: "maybe",
      PREFETCH_GRAPH_CURSOR_SECRET: "short-secret-value",
      BAIDU_GEO_SECRET_ACCESS_KEY: "super-secret-sk",
      WANGSU_CDNPRO_USERNAME: "u",
      WANGSU_CDNPRO_API_KEY: "k",
      WANGSU_CDNPRO_ENDPOINT: "ftp://example.com/path",
    });
    expect(problems).toEqual([
      expect.stringContaining("PORT"),
      expect.stringContaining("PREFETCH_GRAPH_SANDBOX"),
      expect.stringContaining("PREFETCH_GRAPH_CURSOR_SECRET"),
      expect.stringContaining(
        "BAIDU_GEO_ACCESS_KEY_ID must be set together with BAIDU_GEO_SECRET_ACCESS_KEY",
      ),
      expect.stringContaining("WANGSU_CDNPRO_ENDPOINT"),
    ]);
    expect(problems.join("\n")).not.toMatch(/super-secret-sk|short-secret-value/);
  });

  it("shares each budget out by default: a tenth per operation, half per caller, 64 waiting calls per account", () => {
    expect(loadConfig({}).budgetDefaults).toEqual({
      operationShare: 0.1,
      callerShare: 0.5,
      upstreamQueue: 64,
    });
    expect(
      loadConfig({
        PREFETCH_GRAPH_OPERATION_SHARE: "0.25",
        PREFETCH_GRAPH_CALLER_SHARE: "1",
        PREFETCH_GRAPH_UPSTREAM_QUEUE: "0",
      }).budgetDefaults,
    ).toEqual({ operationShare: 0.25, callerShare: 1, upstreamQueue: 0 });
  });

  it.each(["0", "-0.1", "1.5", "NaN", "Infinity", "half"])(
    "refuses a share of %s, listing both shares and the queue bound at once",
    (bad) => {
      expect(
        problemsOf({
          PREFETCH_GRAPH_OPERATION_SHARE: bad,
          PREFETCH_GRAPH_CALLER_SHARE: bad,
          PREFETCH_GRAPH_UPSTREAM_QUEUE: "-1",
        }),
      ).toEqual([
        "PREFETCH_GRAPH_OPERATION_SHARE must be a number greater than 0 and at most 1",
        "PREFETCH_GRAPH_CALLER_SHARE must be a number greater than 0 and at most 1",
        "PREFETCH_GRAPH_UPSTREAM_QUEUE must be an integer from 0 to 10000",
      ]);
    },
  );

  it("reads the pre-stop delay, 0 by default", () => {
    expect(loadConfig({}).shutdownDelayMs).toBe(0);
    expect(loadConfig({ PREFETCH_GRAPH_SHUTDOWN_DELAY_MS: "5000" }).shutdownDelayMs).toBe(5000);
  });

  it("refuses a pre-stop delay out of bounds, or not shorter than the grace period, listing both at once", () => {
    expect(
      problemsOf({ PREFETCH_GRAPH_SHUTDOWN_DELAY_MS: "-1", PREFETCH_GRAPH_UPSTREAM_QUEUE: "-1" }),
    ).toEqual([
      "PREFETCH_GRAPH_SHUTDOWN_DELAY_MS must be an integer from 0 to 120000",
      "PREFETCH_GRAPH_UPSTREAM_QUEUE must be an integer from 0 to 10000",
    ]);
    expect(
      problemsOf({ PREFETCH_GRAPH_SHUTDOWN_DELAY_MS: "2000", PREFETCH_GRAPH_SHUTDOWN_GRACE_MS: "2000" }),
    ).toEqual([
      "PREFETCH_GRAPH_SHUTDOWN_DELAY_MS must be less than PREFETCH_GRAPH_SHUTDOWN_GRACE_MS (the delay is part of the grace period)",
    ]);
  });

  describe("the config file", () => {
    it("adds any number of accounts of either provider, with optional endpoints and rate budgets", () => {
      const file = configFile({
        accounts: [
          { name: "cn", provider: "BAIDU_GEO", credentials: { accessKeyId: "a", secretAccessKey: "s" } },
          {
            name: "eu",
            provider: "WANGSU_CDN_PRO",
            credentials: { username: "u", apiKey: "k" },
            rateLimit: { points: 10, durationSeconds: 60 },
          },
          {
            name: "us",
            provider: "WANGSU_CDN_PRO",
            endpoint: "https://ngapi.cdnetworks.com",
            credentials: { username: "u2", apiKey: "k2" },
          },
        ],
      });
      const config = loadConfig({ PREFETCH_GRAPH_CONFIG: file });
      expect(config.accounts.map((a) => [a.provider, a.name, a.endpoint, a.rateLimit])).toEqual([
        ["BAIDU_GEO", "cn", "https://geo.baidubce.com", undefined],
        ["WANGSU_CDN_PRO", "eu", "https://open.chinanetcenter.com", { points: 10, durationSeconds: 60 }],
        ["WANGSU_CDN_PRO", "us", "https://ngapi.cdnetworks.com", undefined],
      ]);
    });

    it("takes an account's own operation and caller shares of its budget", () => {
      const file = configFile({
        accounts: [
          {
            name: "eu",
            provider: "WANGSU_CDN_PRO",
            credentials: { username: "u", apiKey: "k" },
            rateLimit: { points: 300, durationSeconds: 300, operationShare: 0.2, callerShare: 1 },
          },
        ],
      });
      expect(loadConfig({ PREFETCH_GRAPH_CONFIG: file }).accounts[0]!.rateLimit).toEqual({
        points: 300,
        durationSeconds: 300,
        operationShare: 0.2,
        callerShare: 1,
      });
    });

    it("reports every bad share of every account at once, with the other problems", () => {
      const entry = (name: string, rateLimit: object) => ({
        name,
        provider: "WANGSU_CDN_PRO",
        credentials: { username: "u", apiKey: "k" },
        rateLimit: { points: 300, durationSeconds: 300, ...rateLimit },
      });
      const file = configFile({
        accounts: [
          entry("a", { operationShare: 0 }),
          entry("b", { callerShare: -0.5 }),
          entry("c", { operationShare: 1.01, callerShare: "NaN" }),
        ],
      });
      const problems = problemsOf({ PREFETCH_GRAPH_CONFIG: file, PREFETCH_GRAPH_CALLER_SHARE: "2" });
      const text = problems.join("\n");
      expect(text).toMatch(/accounts\[0\]\.rateLimit: operationShare must be a positive number/);
      expect(text).toMatch(/accounts\[1\]\.rateLimit: callerShare must be a positive number/);
      expect(text).toMatch(/accounts\[2\]\.rateLimit: operationShare must not be greater than 1/);
      expect(text).toMatch(/accounts\[2\]\.rateLimit: callerShare must be a number/);
      expect(text).toContain("PREFETCH_GRAPH_CALLER_SHARE must be a number greater than 0 and at most 1");
    });

    it("reports every invalid entry at once, by index and property, without the secret values", () => {
      const file = configFile({
        accounts: [
          {
            name: "bad name!",
            provider: "BAIDU_GEO",
            credentials: { accessKeyId: "a", secretAccessKey: "s" },
          },
          { name: "x", provider: "AKAMAI", credentials: {} },
          {
            name: "y",
            provider: "WANGSU_CDN_PRO",
            credentials: { username: "u", apiKey: "", typo: "leaked-value" },
          },
          {
            name: "z",
            provider: "WANGSU_CDN_PRO",
            credentials: { username: "u", apiKey: "k" },
            rateLimit: { points: 0, durationSeconds: 60 },
          },
          { name: "z", provider: "WANGSU_CDN_PRO", credentials: { username: "u", apiKey: "k" } },
        ],
      });
      const problems = problemsOf({ PREFETCH_GRAPH_CONFIG: file });
      const text = problems.join("\n");
      expect(text).toContain("accounts[0]: name");
      expect(text).toContain("accounts[1]: provider");
      expect(text).toMatch(/accounts\[2\]\.credentials: .*apiKey/);
      expect(text).toMatch(/accounts\[2\]\.credentials: .*typo/);
      expect(text).toMatch(/accounts\[3\]\.rateLimit: .*points/);
      expect(text).toContain('account "z" of WANGSU_CDN_PRO is configured twice');
      expect(text).not.toContain("leaked-value");
    });

    it("reports every problem of one entry, not only the first", () => {
      const file = configFile({
        accounts: [
          {
            name: "bad name!",
            provider: "WANGSU_CDN_PRO",
            credentials: { username: "u" },
            rateLimit: { points: 0, durationSeconds: 60 },
          },
        ],
      });
      const text = problemsOf({ PREFETCH_GRAPH_CONFIG: file }).join("\n");
      expect(text).toContain("accounts[0]: name");
      expect(text).toMatch(/accounts\[0\]\.credentials: .*apiKey/);
      expect(text).toMatch(/accounts\[0\]\.rateLimit: .*points/);
    });

    it("names an unknown key once, even when it contains a dot", () => {
      const file = configFile({
        accounts: [
          {
            name: "a",
            provider: "WANGSU_CDN_PRO",
            credentials: { username: "u", apiKey: "k" },
            "rate.limit": 1,
          },
        ],
      });
      expect(problemsOf({ PREFETCH_GRAPH_CONFIG: file })).toEqual([
        "PREFETCH_GRAPH_CONFIG accounts[0]: rate.limit should not exist",
      ]);
    });

    it("says when the file is not JSON or cannot be read", () => {
      expect(problemsOf({ PREFETCH_GRAPH_CONFIG: configFile("{ nope") })).toEqual([
        expect.stringContaining("not valid JSON"),
      ]);
      expect(problemsOf({ PREFETCH_GRAPH_CONFIG: "/nonexistent/prefetch-graph.json" })).toEqual([
        expect.stringContaining("cannot be read"),
      ]);
      expect(problemsOf({ PREFETCH_GRAPH_CONFIG: configFile({ accounts: {} }) })).toEqual([
        expect.stringContaining('"accounts" array'),
      ]);
    });

    it("rejects an account configured both in env and in the file under the same name", () => {
      const file = configFile({
        accounts: [
          { name: "default", provider: "BAIDU_GEO", credentials: { accessKeyId: "a", secretAccessKey: "s" } },
        ],
      });
      expect(
        problemsOf({
          PREFETCH_GRAPH_CONFIG: file,
          BAIDU_GEO_ACCESS_KEY_ID: "ak",
          BAIDU_GEO_SECRET_ACCESS_KEY: "sk",
        }),
      ).toEqual([expect.stringContaining('"default" of BAIDU_GEO is configured twice')]);
    });
  });
});
