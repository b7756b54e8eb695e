import { writeTempFile } from "../support/temp-files";
import {
  NodesByIdsDocument,
  PrefetchTaskByIdDocument,
  PrefetchTasksPageDocument,
  ProviderAccountsDocument,
} from "../__generated__/graphql";
import { WINDOW_MARGIN_SECONDS } from "../../src/http/rate-budget";
import { startWangsuCdnProSandbox, type WangsuCdnProSandbox } from "../../src/sandbox/wangsu-cdn-pro";
import { daysBefore, startTestServer, type TestServer } from "../support/harness";

const EU = { username: "eu-user", apiKey: "eu-secret-key" };
const US = { username: "us-user", apiKey: "us-secret-key" };

function writeConfig(accounts: unknown): string {
  return writeTempFile("accounts.json", { accounts });
}

describe("several provider accounts from a config file", () => {
  let upstreamEu: WangsuCdnProSandbox;
  let upstreamUs: WangsuCdnProSandbox;
  let server: TestServer;

  beforeAll(async () => {
    // Two Wangsu accounts with their own upstream, the same seed and one clock reading (ids embed the minute
    // the data are anchored at), so the same task id exists under both. A fixed clock stays within the
    // emulator's 5-minute skew tolerance for the length of this file.
    const now = new Date();
    upstreamEu = await startWangsuCdnProSandbox({ credentials: [EU], now: () => now });
    upstreamUs = await startWangsuCdnProSandbox({ credentials: [US], now: () => now });
    const config = writeConfig([
      { name: "eu", provider: "WANGSU_CDN_PRO", endpoint: upstreamEu.url, credentials: EU },
      { name: "us", provider: "WANGSU_CDN_PRO", endpoint: upstreamUs.url, credentials: US },
    ]);
    server = await startTestServer({ env: { PREFETCH_GRAPH_CONFIG: config, PREFETCH_GRAPH_SANDBOX: "on" } });
  });
  afterAll(async () => {
    await server.close();
    await Promise.all([upstreamEu.close(), upstreamUs.close()]);
  });
  beforeEach(() => {
    upstreamEu.resetCalls();
    upstreamUs.resetCalls();
  });

  it("lists every configured account, sandbox ones marked, without secrets", async () => {
    const res = await server.gql(ProviderAccountsDocument);
    expect(res.data!.providerAccounts).toEqual(
      expect.arrayContaining([
        { name: "eu", provider: "WANGSU_CDN_PRO", endpoint: upstreamEu.url, sandbox: false },
        { name: "us", provider: "WANGSU_CDN_PRO", endpoint: upstreamUs.url, sandbox: false },
        expect.objectContaining({ name: "sandbox", provider: "WANGSU_CDN_PRO", sandbox: true }),
      ]),
    );
    expect(JSON.stringify(res)).not.toContain("secret-key");
  });

  it("asks for the account where a provider has several", async () => {
    const res = await server.gql(PrefetchTaskByIdDocument, { provider: "WANGSU_CDN_PRO", taskId: "x" });
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: "ACCOUNT_NOT_CONFIGURED",
      argumentName: "account",
    });
    expect(res.errors?.[0]?.message).toMatch(/eu.*us|us.*eu/);
  });

  it("gives the same provider task under two accounts two different global ids, each served by its own account", async () => {
    const window = {
      startTime: daysBefore(upstreamEu.anchor, 5).toISOString(),
      endTime: upstreamEu.anchor.toISOString(),
    };
    const eu = await server.gql(PrefetchTasksPageDocument, {
      provider: "WANGSU_CDN_PRO",
      account: "eu",
      ...window,
      first: 3,
    });
    const us = await server.gql(PrefetchTasksPageDocument, {
      provider: "WANGSU_CDN_PRO",
      account: "us",
      ...window,
      first: 3,
    });
    const euNodes = eu.data!.prefetchTasks!.edges.map((e) => e.node);
    const usNodes = us.data!.prefetchTasks!.edges.map((e) => e.node);
    expect(euNodes.map((n) => n.taskId)).toEqual(usNodes.map((n) => n.taskId));
    for (let i = 0; i < euNodes.length; i++) expect(euNodes[i]!.id).not.toBe(usNodes[i]!.id);
    upstreamEu.resetCalls();
    upstreamUs.resetCalls();

    const ids = [euNodes[0]!.id, usNodes[0]!.id, euNodes[1]!.id, usNodes[1]!.id, euNodes[0]!.id];
    const res = await server.gql(NodesByIdsDocument, { ids });
    expect(res.errors).toBeUndefined();
    expect(res.data!.nodes.map((n) => (n && "account" in n ? n.account : null))).toEqual([
      "eu",
      "us",
      "eu",
      "us",
      "eu",
    ]);
    expect(upstreamEu.calls("detail")).toBe(2);
    expect(upstreamUs.calls("detail")).toBe(2);
  });
});

it('refuses to start with two accounts of one provider under one name (a configured "sandbox" beside the sandbox)', async () => {
  const config = writeConfig([
    { name: "sandbox", provider: "WANGSU_CDN_PRO", endpoint: "http://127.0.0.1:9", credentials: EU },
  ]);
  await expect(
    startTestServer({ env: { PREFETCH_GRAPH_CONFIG: config, PREFETCH_GRAPH_SANDBOX: "on" } }),
  ).rejects.toThrow('two WANGSU_CDN_PRO accounts are named "sandbox"');
});

describe("the rate budget of an account", () => {
  let upstream: WangsuCdnProSandbox;
  let server: TestServer;
  const window = (): { startTime: string; endTime: string } => ({
    startTime: daysBefore(upstream.anchor, 1).toISOString(),
    endTime: upstream.anchor.toISOString(),
  });

  afterEach(async () => {
    await server.close();
    await upstream.close();
  });

  /** One list call of account "eu": one upstream call. */
  const listEu = () =>
    server.gql(PrefetchTasksPageDocument, {
      provider: "WANGSU_CDN_PRO",
      account: "eu",
      ...window(),
      first: 1,
    });

  async function start(
    budget: { points: number; durationSeconds: number },
    upstreamLimit?: { points: number; durationSeconds: number },
    maxWaitMs = 100,
  ): Promise<void> {
    upstream = await startWangsuCdnProSandbox({
      credentials: [EU],
      ...(upstreamLimit ? { rateLimit: upstreamLimit } : {}),
    });
    const config = writeConfig([
      { name: "eu", provider: "WANGSU_CDN_PRO", endpoint: upstream.url, credentials: EU, rateLimit: budget },
    ]);
    server = await startTestServer({
      // One caller spends the whole budget here: its own share is the subject of fair-share.test.ts.
      env: { PREFETCH_GRAPH_CONFIG: config, PREFETCH_GRAPH_SANDBOX: "on", PREFETCH_GRAPH_CALLER_SHARE: "1" },
      rateLimitMaxWaitMs: maxWaitMs,
    });
  }

  it("fails with UPSTREAM_RATE_LIMITED and a retry-after hint once spent, before the provider's own 429", async () => {
    await start({ points: 3, durationSeconds: 60 });
    for (let i = 0; i < 3; i++) {
      const ok = await listEu();
      expect(ok.errors).toBeUndefined();
    }
    const limited = await listEu();
    expect(limited.data!.prefetchTasks).toBeNull();
    expect(limited.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_RATE_LIMITED",
      account: "eu",
      limit: "ACCOUNT",
    });
    expect(limited.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
    expect(limited.errors![0]!.extensions!.retryAfter).toBeLessThanOrEqual(60 + WINDOW_MARGIN_SECONDS);
    expect(upstream.calls()).toBe(3);
  });

  it("lets calls wait their turn past a spent budget without ever meeting the provider's own 429", async () => {
    // The budget equals the provider's limit, as the documented default does (300 per 5 minutes).
    await start({ points: 4, durationSeconds: 1 }, { points: 4, durationSeconds: 1 }, 5_000);
    const results = await Promise.all(Array.from({ length: 6 }, () => listEu()));
    for (const r of results) expect(r.errors).toBeUndefined();
    // The emulator counts the calls it refused with 429 too: six calls, six answers.
    expect(upstream.calls()).toBe(6);
  });

  it("honours the provider's own 429: the next calls fail fast without reaching it", async () => {
    await start({ points: 100, durationSeconds: 60 }, { points: 2, durationSeconds: 60 });
    for (let i = 0; i < 2; i++) {
      const ok = await listEu();
      expect(ok.errors).toBeUndefined();
    }
    const upstream429 = await listEu();
    expect(upstream429.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_RATE_LIMITED",
      upstreamStatus: 429,
      limit: "PROVIDER",
    });
    expect(upstream.calls()).toBe(3);

    const afterwards = await listEu();
    expect(afterwards.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_RATE_LIMITED",
      limit: "ACCOUNT",
    });
    expect(afterwards.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
    expect(upstream.calls()).toBe(3);
  });
});
