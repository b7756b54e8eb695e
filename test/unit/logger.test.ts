import { Writable } from "node:stream";
import { configuredSecrets, type Config } from "../../src/config/config";
import { createLogger } from "../../src/logger";

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

describe("the logger", () => {
  it("keeps every configured secret out of every line, whatever field or message carries it", () => {
    const out = sink();
    const secret = 'k3y-"with"-quotes/and\\slash';
    const logger = createLogger("info", {
      secrets: ["a-provider-secret-0123", secret, "short"],
      destination: out.stream,
    });
    logger.info({ upstream: { someNewProviderField: "a-provider-secret-0123" } }, "signed a request");
    logger.warn("the provider echoed a-provider-secret-0123 in its error");
    logger.error({ err: new Error(`bad key ${secret}`), note: secret }, "failed");
    logger.child({ account: "main" }).info({ list: ["x", "a-provider-secret-0123"] }, "child line");
    logger.info({ word: "short" }, "a short value is not a secret worth hunting");
    const text = out.text();
    expect(text).not.toContain("a-provider-secret-0123");
    expect(text).not.toContain("k3y-");
    expect(text.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(6);
    expect(text).toContain('"word":"short"');
    // Every line is still JSON.
    for (const line of text.trim().split("\n")) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it("redacts authorization headers and credential objects by name", () => {
    const out = sink();
    const logger = createLogger("info", { destination: out.stream });
    logger.info({ req: { headers: { authorization: "Bearer abc" } }, account: { credentials: { x: "y" } } });
    expect(out.text()).not.toContain("Bearer abc");
    expect(out.text()).not.toContain('"x":"y"');
  });
});

describe("configuredSecrets", () => {
  it("collects every credential value of every account, the cursor key and Redis's password", () => {
    const config = {
      accounts: [
        { credentials: { accessKeyId: "AKID-1234567", secretAccessKey: "sk-abcdefgh" } },
        { credentials: { username: "user-12345678", nested: { token: "tok-87654321" } } },
      ],
      cursorSecret: Buffer.from("cursor-secret-0123456789abcdef0123"),
      cursorSecretGenerated: false,
      redisUrl: "redis://:p%40ss-word-123@redis.internal:6379/0",
    } as unknown as Config;
    expect(configuredSecrets(config).sort()).toEqual(
      [
        "AKID-1234567",
        "sk-abcdefgh",
        "user-12345678",
        "tok-87654321",
        "cursor-secret-0123456789abcdef0123",
        "p@ss-word-123",
      ].sort(),
    );
    expect(configuredSecrets({ ...config, cursorSecretGenerated: true, redisUrl: null })).not.toContain(
      "cursor-secret-0123456789abcdef0123",
    );
  });
});
