import { problemsOf as envProblems } from "../../support/config-problems";
import { apiKeyDigest } from "../../../src/access/api-keys";
import { loadConfig } from "../../../src/config/load-config";
import { writeTempFile } from "../../support/temp-files";

const OPS_HASH = apiKeyDigest("ops-key");

function problemsOf(content: unknown): string[] {
  return envProblems({ PREFETCH_GRAPH_API_KEYS: writeTempFile("keys.json", content) });
}

describe("PREFETCH_GRAPH_API_KEYS", () => {
  it("is off (null) when unset", () => {
    expect(loadConfig({}).apiKeys).toBeNull();
  });

  it("reads keys with wildcards, lower-cases hashes and sites, and treats sites [*] as every site", () => {
    const file = writeTempFile("keys.json", {
      keys: [
        {
          name: "ops",
          sha256: OPS_HASH.toUpperCase(),
          allow: [{ provider: "BAIDU_GEO", account: "default", sites: ["WWW.example.com", "*.example.net"] }],
        },
        {
          name: "router",
          sha256: apiKeyDigest("r"),
          allow: [{ provider: "*", account: "*", sites: ["*"] }],
          federation: true,
        },
      ],
    });
    expect(loadConfig({ PREFETCH_GRAPH_API_KEYS: file }).apiKeys).toEqual([
      {
        name: "ops",
        sha256: OPS_HASH,
        allow: [{ provider: "BAIDU_GEO", account: "default", sites: ["www.example.com", "*.example.net"] }],
        federation: false,
      },
      {
        name: "router",
        sha256: apiKeyDigest("r"),
        allow: [{ provider: "*", account: "*", sites: null }],
        federation: true,
      },
    ]);
  });

  it("reports every problem at once, without printing a hash or a key", () => {
    const pastedKey = "this-is-the-raw-key-not-its-hash";
    const problems = problemsOf({
      keys: [
        { name: "ops", sha256: pastedKey, allow: [{ provider: "AKAMAI", account: "default" }] },
        { name: "ops", sha256: OPS_HASH, allow: [{ provider: "*", account: "a b", sites: [] }], extra: 1 },
        { name: "other", sha256: OPS_HASH, allow: [{ provider: "*", account: "*", sites: ["bad host/"] }] },
        { name: "none", sha256: apiKeyDigest("n"), allow: [] },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "PREFETCH_GRAPH_API_KEYS keys[0]: sha256 must be 64 hexadecimal characters (the SHA-256 of the key)",
        expect.stringMatching(/^PREFETCH_GRAPH_API_KEYS keys\[0\]\.allow\[0\]: provider must be one of/),
        'PREFETCH_GRAPH_API_KEYS keys[1]: name "ops" is also the name of keys[0]',
        "PREFETCH_GRAPH_API_KEYS keys[1]: property extra should not exist",
        'PREFETCH_GRAPH_API_KEYS keys[1].allow[0]: account must be an account name or "*"',
        expect.stringMatching(/^PREFETCH_GRAPH_API_KEYS keys\[1\]\.allow\[0\]: sites must not be empty/),
        "PREFETCH_GRAPH_API_KEYS keys[2]: sha256 is also the sha256 of keys[1]",
        'PREFETCH_GRAPH_API_KEYS keys[2].allow[0]: site "bad host/" is not a hostname, "*.suffix" or "*"',
        "PREFETCH_GRAPH_API_KEYS keys[3]: allow must list at least one provider account",
      ]),
    );
    expect(problems).toHaveLength(9);
    expect(problems.join("\n")).not.toContain(pastedKey);
    expect(problems.join("\n")).not.toContain(OPS_HASH);
  });

  it("refuses a file that cannot be read, is not JSON, or has no keys", () => {
    expect(loadConfig.bind(null, { PREFETCH_GRAPH_API_KEYS: "/nonexistent/keys.json" })).toThrow(
      "PREFETCH_GRAPH_API_KEYS: the file cannot be read",
    );
    expect(problemsOf("{not json")).toEqual(["PREFETCH_GRAPH_API_KEYS: the file is not valid JSON"]);
    expect(problemsOf({ keys: [] })).toEqual([
      'PREFETCH_GRAPH_API_KEYS: the file must be a JSON object with a non-empty "keys" array',
    ]);
  });
});
