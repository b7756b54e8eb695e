import { apiKeyDigest } from "../../src/access/api-keys";
import { CLOSE_UNAUTHORIZED } from "../../src/subscriptions/ws-endpoint";
import { baiduTaskId, startLiveServer, waitingBaiduRecord, type LiveServer } from "../support/live-sandbox";
import { writeTempFile } from "../support/temp-files";
import { connectWs, type WsTestClient } from "../support/ws-client";

/**
 * Access control on subscriptions: the API key comes in connection_init's payload (or the upgrade request's
 * header) and is checked as an HTTP request's is; a task the key may not read is reported as unknown, at no
 * upstream call, as HTTP answers null.
 */

const KEYS = {
  www: "www-key-0123456789abcdef",
  wangsu: "wangsu-key-0123456789abcdef",
};

const UPDATES = `subscription ($ids: [ID!]!) { prefetchTaskUpdates(ids: $ids) { id status } }`;

let live: LiveServer;
let id: string;
const clients: WsTestClient[] = [];

beforeAll(async () => {
  const keys = writeTempFile("api-keys.json", {
    keys: [
      {
        name: "www",
        sha256: apiKeyDigest(KEYS.www),
        allow: [{ provider: "BAIDU_GEO", account: "sandbox", sites: ["www.example.com"] }],
      },
      {
        name: "wangsu",
        sha256: apiKeyDigest(KEYS.wangsu),
        allow: [{ provider: "WANGSU_CDN_PRO", account: "*" }],
      },
    ],
  });
  live = await startLiveServer({ env: { PREFETCH_GRAPH_API_KEYS: keys } });
  const baidu = live.server.sandbox.baiduGeo;
  const recordId = baidu.recordIds("www.example.com").find((r) => baidu.schedule(r) === undefined)!;
  id = baiduTaskId(baidu, "www.example.com", recordId);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});

afterAll(async () => {
  await live.server.close();
});

function subscribe(options: Parameters<typeof connectWs>[1]) {
  const client = connectWs(live.server.url, options);
  clients.push(client);
  return client.subscribe<{ prefetchTaskUpdates: { id: string; status: string } }>(UPDATES, { ids: [id] });
}

describe("a subscription with access control on", () => {
  it("is refused without a key: the connection closes with 4401, before any upstream call", async () => {
    const calls = live.server.sandbox.baiduGeo.calls();
    expect(await subscribe({}).ended).toEqual({
      kind: "closed",
      code: CLOSE_UNAUTHORIZED,
      reason: expect.stringContaining("An API key is required"),
    });
    expect(live.server.sandbox.baiduGeo.calls()).toBe(calls);
  });

  it("is refused with a key that is not configured, saying nothing of which keys exist", async () => {
    expect(await subscribe({ connectionParams: { authorization: "Bearer not-a-key" } }).ended).toEqual({
      kind: "closed",
      code: CLOSE_UNAUTHORIZED,
      reason: "The API key is not valid.",
    });
  });

  it("runs with the key in connection_init's payload, as HTTP's authorization header", async () => {
    const sub = subscribe({ connectionParams: { authorization: `Bearer ${KEYS.www}` } });
    expect(await sub.ended).toEqual({ kind: "complete" });
    expect(sub.results[0]?.data?.prefetchTaskUpdates).toMatchObject({ id, status: expect.any(String) });
  });

  it("runs with the key as Apollo Router passes a client's Authorization header on (token)", async () => {
    const sub = subscribe({ connectionParams: { token: `Bearer ${KEYS.www}` } });
    expect(await sub.ended).toEqual({ kind: "complete" });
    expect(sub.results[0]?.data?.prefetchTaskUpdates.id).toBe(id);
  });

  it("runs with the key in the upgrade request's authorization header", async () => {
    const sub = subscribe({ headers: { authorization: `Bearer ${KEYS.www}` } });
    expect(await sub.ended).toEqual({ kind: "complete" });
    expect(sub.results[0]?.data?.prefetchTaskUpdates.id).toBe(id);
  });

  it("reports a task of an account the key may not read as unknown, at no upstream call", async () => {
    const calls = live.server.sandbox.baiduGeo.calls();
    const sub = subscribe({ connectionParams: { authorization: `Bearer ${KEYS.wangsu}` } });
    expect(await sub.ended).toEqual({ kind: "complete" });
    expect(sub.results).toEqual([
      {
        data: null,
        errors: [
          expect.objectContaining({
            extensions: { code: "BAD_USER_INPUT", argumentName: "ids", id, index: 0 },
          }),
        ],
      },
    ]);
    expect(live.server.sandbox.baiduGeo.calls()).toBe(calls);
  });

  it("reports a task of a site the key may not read as unknown, at no upstream call", async () => {
    const baidu = live.server.sandbox.baiduGeo;
    const { site, recordId } = waitingBaiduRecord(baidu, (s) => s !== "www.example.com");
    const other = baiduTaskId(baidu, site, recordId);
    const client = connectWs(live.server.url, { connectionParams: { authorization: `Bearer ${KEYS.www}` } });
    clients.push(client);
    const calls = baidu.calls();
    const sub = client.subscribe(UPDATES, { ids: [other] });
    expect(await sub.ended).toEqual({ kind: "complete" });
    expect(sub.results[0]?.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", id: other });
    expect(baidu.calls()).toBe(calls);
  });
});
