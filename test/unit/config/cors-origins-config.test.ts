import { problemsOf } from "../../support/config-problems";
import { apiKeyDigest } from "../../../src/access/api-keys";
import { loadConfig } from "../../../src/config/load-config";
import { writeTempFile } from "../../support/temp-files";

describe("PREFETCH_GRAPH_CORS_ORIGINS", () => {
  it("allows no browser origin by default", () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });

  it("reads the listed origins, normalised", () => {
    const config = loadConfig({
      PREFETCH_GRAPH_CORS_ORIGINS: "https://App.example.com/, http://localhost:5173",
    });
    expect(config.corsOrigins).toEqual(["https://app.example.com", "http://localhost:5173"]);
  });

  it("reports every bad origin together with the other configuration problems", () => {
    expect(
      problemsOf({ PREFETCH_GRAPH_CORS_ORIGINS: "https://a.example.com/app,*.example.com", PORT: "-1" }),
    ).toEqual([
      expect.stringContaining("PORT"),
      expect.stringContaining("PREFETCH_GRAPH_CORS_ORIGINS entry 1"),
      expect.stringContaining("PREFETCH_GRAPH_CORS_ORIGINS entry 2"),
    ]);
  });

  it('refuses "*" while access control is off', () => {
    expect(problemsOf({ PREFETCH_GRAPH_CORS_ORIGINS: "*" })).toEqual([
      expect.stringContaining("PREFETCH_GRAPH_API_KEYS"),
    ]);
  });

  it('accepts "*" with API keys', () => {
    const keys = writeTempFile("keys.json", {
      keys: [
        {
          name: "web",
          sha256: apiKeyDigest("web-key-0123456789abcdef"),
          allow: [{ provider: "*", account: "*" }],
        },
      ],
    });
    expect(loadConfig({ PREFETCH_GRAPH_CORS_ORIGINS: "*", PREFETCH_GRAPH_API_KEYS: keys }).corsOrigins).toBe(
      "*",
    );
  });
});
