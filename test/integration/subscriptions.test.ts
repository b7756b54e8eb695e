import WebSocket from "ws";
import { request } from "undici";
import { encodeGlobalId } from "../../src/domain/global-id";
import { CLOSE_IDLE, CLOSE_TRY_AGAIN_LATER } from "../../src/subscriptions/ws-endpoint";
import {
  baiduTaskId,
  drivePolls,
  liveStart,
  nearRealStart,
  startLiveServer,
  waitingBaiduRecord,
  type LiveServer,
} from "../support/live-sandbox";
import { postGraphQL } from "../support/harness";
import { captureLogs } from "../support/log-capture";
import { waitUntil } from "../support/redis-server";
import { connectWs, wsUrl, type LiveSubscription, type WsTestClient } from "../support/ws-client";

/** Real time one step of a test may take on a loaded CI machine: only a step that never comes waits it out. */
const SETTLE_MS = 20_000;
function settled(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  return waitUntil(condition, what, SETTLE_MS);
}

/**
 * prefetchTaskUpdates over a real graphql-ws client, against the real server and the sandbox, whose unfinished
 * tasks move with one manual clock (test/support/live-sandbox.ts): the test fires the pollers' timers itself and
 * counts what reaches the emulators.
 */

interface TaskUpdate {
  id: string;
  status: string;
  progress: number | null;
  finishedAt: string | null;
}
interface UpdatesData {
  prefetchTaskUpdates: TaskUpdate;
}

const UPDATES = `subscription Watch($ids: [ID!]!) {
  prefetchTaskUpdates(ids: $ids) { id status progress finishedAt }
}`;

const clients: WsTestClient[] = [];
const servers: LiveServer[] = [];

async function liveServer(options: Parameters<typeof startLiveServer>[0] = {}): Promise<LiveServer> {
  const live = await startLiveServer(options);
  servers.push(live);
  return live;
}

function connect(live: LiveServer, options: Parameters<typeof connectWs>[1] = {}): WsTestClient {
  const client = connectWs(live.server.url, options);
  clients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await Promise.all(servers.splice(0).map((s) => s.server.close()));
});

function baiduId(live: LiveServer, site: string, recordId: string): string {
  return baiduTaskId(live.server.sandbox.baiduGeo, site, recordId);
}

/** A record waiting at the sandbox's anchor, which will complete, and its id. */
function waitingTask(live: LiveServer) {
  const record = waitingBaiduRecord(live.server.sandbox.baiduGeo);
  return { ...record, id: baiduId(live, record.site, record.recordId) };
}

function updates(sub: LiveSubscription<UpdatesData>): TaskUpdate[] {
  return sub.results.map((r) => r.data?.prefetchTaskUpdates).filter((u): u is TaskUpdate => u != null);
}

function endedFlag(sub: LiveSubscription<unknown>): () => boolean {
  let ended = false;
  void sub.ended.then(() => (ended = true));
  return () => ended;
}

describe("prefetchTaskUpdates", () => {
  it("sends the task's current state, then each change in order, and completes once it is finished", async () => {
    const live = await liveServer();
    const task = waitingTask(live);
    const sub = connect(live).subscribe<UpdatesData>(UPDATES, { ids: [task.id] });
    await sub.untilResults(1);
    await drivePolls(live.scheduler, endedFlag(sub));

    expect(await sub.ended).toEqual({ kind: "complete" });
    const seen = updates(sub);
    expect(seen[0]).toMatchObject({ id: task.id, status: "WAITING", finishedAt: null });
    expect(seen.at(-1)).toEqual({
      id: task.id,
      status: "COMPLETED",
      progress: 100,
      finishedAt: task.schedule.terminalAt.toISOString(),
    });
    expect(seen.map((u) => u.status)).toEqual([
      "WAITING",
      ...seen.slice(1, -1).map(() => "IN_PROGRESS"),
      "COMPLETED",
    ]);
    expect(seen.length).toBeGreaterThan(3);
    // Every event is a change, and progress only ever rises.
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]).not.toEqual(seen[i - 1]);
      expect(seen[i]!.progress!).toBeGreaterThanOrEqual(seen[i - 1]!.progress!);
    }
    expect(sub.results.every((r) => r.errors === undefined)).toBe(true);
  });

  it("costs 50 subscribers of one task the same upstream calls as one, and tells them all the same", async () => {
    const startAt = liveStart();
    const watch = async (subscribers: number) => {
      const live = await liveServer({ startAt });
      const task = waitingTask(live);
      const connections = Array.from({ length: Math.ceil(subscribers / 10) }, () => connect(live));
      const subs = Array.from({ length: subscribers }, (_, i) =>
        connections[Math.floor(i / 10)]!.subscribe<UpdatesData>(UPDATES, { ids: [task.id] }),
      );
      await Promise.all(subs.map((s) => s.untilResults(1)));
      const ended = subs.map(endedFlag);
      await drivePolls(live.scheduler, () => ended.every((e) => e()));
      await Promise.all(subs.map((s) => s.ended));
      return { calls: live.server.sandbox.baiduGeo.calls(), seen: subs.map(updates) };
    };
    const one = await watch(1);
    const fifty = await watch(50);
    expect(one.calls).toBeGreaterThan(3);
    expect(fifty.calls).toBe(one.calls);
    for (const seen of fifty.seen) expect(seen).toEqual(one.seen[0]);
  });

  it("stops polling a task when its last subscriber disconnects, not before", async () => {
    const live = await liveServer();
    const task = waitingTask(live);
    const baidu = live.server.sandbox.baiduGeo;
    const [first, second] = [connect(live), connect(live)];
    await first.subscribe<UpdatesData>(UPDATES, { ids: [task.id] }).untilResults(1);
    await second.subscribe<UpdatesData>(UPDATES, { ids: [task.id] }).untilResults(1);
    await drivePolls(live.scheduler, () => false, { maxPolls: 3 });
    expect(await gauge(live, "prefetch_graph_task_pollers_active")).toBe(1);
    expect(await gauge(live, "prefetch_graph_subscriptions_active")).toBe(2);

    await first.dispose();
    await settled(async () => (await gauge(live, "prefetch_graph_subscriptions_active")) === 1, "one left");
    const before = baidu.calls();
    await drivePolls(live.scheduler, () => false, { maxPolls: 3 });
    expect(baidu.calls()).toBe(before + 3);

    await second.dispose();
    await expectNoMorePolls(live);
    expect(await gauge(live, "prefetch_graph_subscriptions_active")).toBe(0);
  });

  it("stops polling for a subscriber that completes its subscription", async () => {
    const live = await liveServer();
    const task = waitingTask(live);
    const sub = connect(live).subscribe<UpdatesData>(UPDATES, { ids: [task.id] });
    await sub.untilResults(1);
    sub.unsubscribe();
    await expectNoMorePolls(live);
  });

  it("refuses more than 100 ids with BAD_USER_INPUT before any upstream call", async () => {
    const live = await liveServer();
    const ids = Array.from({ length: 101 }, (_, i) => baiduId(live, "www.example.com", `task-${i}`));
    const sub = connect(live).subscribe<UpdatesData>(UPDATES, { ids });
    expect(await sub.ended).toEqual({ kind: "complete" });
    expect(sub.results).toEqual([
      {
        errors: [
          expect.objectContaining({
            path: ["prefetchTaskUpdates"],
            extensions: { code: "BAD_USER_INPUT", argumentName: "ids" },
          }),
        ],
      },
    ]);
    expect(live.server.sandbox.baiduGeo.calls() + live.server.sandbox.wangsuCdnPro.calls()).toBe(0);
    await settled(
      async () => (await gauge(live, "prefetch_graph_subscriptions_active")) === 0,
      "its release",
    );
  });

  it("refuses ids this API never issued with BAD_USER_INPUT before any upstream call", async () => {
    const live = await liveServer();
    const sub = connect(live).subscribe<UpdatesData>(UPDATES, {
      ids: [baiduId(live, "www.example.com", "x"), "nope"],
    });
    await sub.ended;
    expect(sub.results[0]?.errors?.[0]).toMatchObject({
      message: expect.stringContaining("ids[1] is not a task id"),
      extensions: { code: "BAD_USER_INPUT", argumentName: "ids" },
    });
    expect(live.server.sandbox.baiduGeo.calls()).toBe(0);
  });

  it("reports an unknown task once, with its id, and never polls it again", async () => {
    const live = await liveServer();
    const unknown = baiduId(live, "www.example.com", "no-such-record");
    const sub = connect(live).subscribe<UpdatesData>(UPDATES, { ids: [unknown] });
    expect(await sub.ended).toEqual({ kind: "complete" });
    expect(sub.results).toEqual([
      {
        data: null,
        errors: [
          expect.objectContaining({
            extensions: { code: "BAD_USER_INPUT", argumentName: "ids", id: unknown, index: 0 },
          }),
        ],
      },
    ]);
    expect(live.server.sandbox.baiduGeo.calls()).toBe(1);
    // Within a minute, the same id costs nothing: it is reported unknown at once.
    const again = connect(live).subscribe<UpdatesData>(UPDATES, { ids: [unknown] });
    expect(await again.ended).toEqual({ kind: "complete" });
    expect(again.results).toEqual(sub.results);
    expect(live.server.sandbox.baiduGeo.calls()).toBe(1);
    await expectNoMorePolls(live);
  });

  it("answers a finished task from the final-task cache at no upstream call, and completes", async () => {
    const live = await liveServer();
    const baidu = live.server.sandbox.baiduGeo;
    const site = "www.example.com";
    const finished = baidu.recordIds(site).find((id) => baidu.schedule(id) === undefined)!;
    const client = connect(live);
    await client.subscribe<UpdatesData>(UPDATES, { ids: [baiduId(live, site, finished)] }).ended;
    const calls = baidu.calls();
    const again = client.subscribe<UpdatesData>(UPDATES, { ids: [baiduId(live, site, finished)] });
    expect(await again.ended).toEqual({ kind: "complete" });
    expect(updates(again)).toHaveLength(1);
    expect(baidu.calls()).toBe(calls);
  });

  it("never polls beyond the caller's share of the account's budget, and keeps the subscription open", async () => {
    // Wangsu's budget of 4 calls per 5 minutes: one caller may spend 2 (PREFETCH_GRAPH_CALLER_SHARE, 0.5).
    const live = await liveServer({
      startAt: nearRealStart(),
      sandbox: { wangsuRateLimit: { points: 4, durationSeconds: 300 } },
    });
    const wangsu = live.server.sandbox.wangsuCdnPro;
    const window = { start: new Date(wangsu.anchor.getTime() - 86_400_000), end: wangsu.anchor };
    const taskId = wangsu.taskIds(window).find((t) => wangsu.schedule(t)?.startsAt === null)!;
    const id = encodeGlobalId({ provider: "WANGSU_CDN_PRO", account: "sandbox", site: null, taskId });
    const sub = connect(live).subscribe<UpdatesData>(UPDATES, { ids: [id] });
    await sub.untilResults(1);
    // The clock starts near real time (nearRealStart), within the 5 minutes Wangsu's signature check allows.
    await drivePolls(live.scheduler, () => false, { maxPolls: 2 });
    expect(wangsu.calls("detail")).toBe(2);
    // Refused by the caller's share of a 5-minute window that began with the first call (real seconds ago):
    // tried again no sooner than that window ends, and nothing is sent meanwhile.
    expect(live.scheduler.nextDueIn).toBeGreaterThanOrEqual(240_000);
    expect(wangsu.calls()).toBe(2);
    expect(sub.results.every((r) => r.errors === undefined)).toBe(true);
    expect(await gauge(live, "prefetch_graph_subscriptions_active")).toBe(1);
  });

  it("holds at most PREFETCH_GRAPH_SUBSCRIPTIONS_PER_CONNECTION subscriptions on one connection", async () => {
    const live = await liveServer({ env: { PREFETCH_GRAPH_SUBSCRIPTIONS_PER_CONNECTION: "1" } });
    const task = waitingTask(live);
    const client = connect(live);
    await client.subscribe<UpdatesData>(UPDATES, { ids: [task.id] }).untilResults(1);
    const refused = client.subscribe<UpdatesData>(UPDATES, { ids: [task.id] });
    expect(await refused.ended).toEqual({
      kind: "errors",
      errors: [
        expect.objectContaining({
          extensions: { code: "OPERATION_LIMIT_EXCEEDED", maxSubscriptionsPerConnection: 1 },
        }),
      ],
    });
    await connect(live)
      .subscribe<UpdatesData>(UPDATES, { ids: [task.id] })
      .untilResults(1);
  });

  it("checks a connection's subscription bound before it parses anything", async () => {
    const live = await liveServer({ env: { PREFETCH_GRAPH_SUBSCRIPTIONS_PER_CONNECTION: "1" } });
    const client = connect(live);
    await client.subscribe<UpdatesData>(UPDATES, { ids: [waitingTask(live).id] }).untilResults(1);
    const refused = client.subscribe<UpdatesData>("subscription { this is not GraphQL");
    expect(await refused.ended).toMatchObject({
      kind: "errors",
      errors: [
        expect.objectContaining({
          extensions: expect.objectContaining({ code: "OPERATION_LIMIT_EXCEEDED" }),
        }),
      ],
    });
  });

  it("refuses a subscription whose tasks would pass the caller's bound, before any upstream call", async () => {
    const live = await liveServer({ env: { PREFETCH_GRAPH_SUBSCRIPTION_TASKS_PER_CALLER: "3" } });
    const baidu = live.server.sandbox.baiduGeo;
    const site = "www.example.com";
    const records = baidu.recordIds(site);
    // Held: two tasks that stay unfinished while the clock stands still; asked for: finished ones.
    const unfinished = records.filter((r) => baidu.schedule(r) !== undefined).slice(0, 2);
    const ids = [...unfinished, ...records.filter((r) => baidu.schedule(r) === undefined).slice(0, 2)].map(
      (r) => baiduId(live, site, r),
    );
    const client = connect(live);
    const held = client.subscribe<UpdatesData>(UPDATES, { ids: ids.slice(0, 2) });
    await held.untilResults(2);
    expect(await gauge(live, "prefetch_graph_watched_tasks_active")).toBe(2);
    const calls = baidu.calls();
    const refused = client.subscribe<UpdatesData>(UPDATES, { ids: ids.slice(2, 4) });
    expect(await refused.ended).toEqual({ kind: "complete" });
    expect(refused.results).toEqual([
      {
        errors: [
          expect.objectContaining({
            extensions: { code: "OPERATION_LIMIT_EXCEEDED", maxWatchedTasksPerCaller: 3 },
          }),
        ],
      },
    ]);
    expect(baidu.calls()).toBe(calls);
    // One more task still fits.
    const fits = client.subscribe<UpdatesData>(UPDATES, { ids: ids.slice(2, 3) });
    expect((await fits.untilResults(1))[0]?.errors).toBeUndefined();
  });

  it("refuses a caller's connection past its bound with 1013 (try again later)", async () => {
    const live = await liveServer({ env: { PREFETCH_GRAPH_WS_CONNECTIONS_PER_CALLER: "1" } });
    const task = waitingTask(live);
    await connect(live)
      .subscribe<UpdatesData>(UPDATES, { ids: [task.id] })
      .untilResults(1);
    const refused = connect(live).subscribe<UpdatesData>(UPDATES, { ids: [task.id] });
    expect(await refused.ended).toEqual({
      kind: "closed",
      code: CLOSE_TRY_AGAIN_LATER,
      reason: "Too many connections for this caller (at most 1).",
    });
  });

  it("refuses a WebSocket upgrade past the process's connection bound with 503, until one closes", async () => {
    const live = await liveServer({ env: { PREFETCH_GRAPH_WS_CONNECTIONS_PER_PROCESS: "2" } });
    const open = [await rawSocket(live), await rawSocket(live)];
    const refused = await upgradeRefusal(live);
    expect(refused).toEqual({
      status: 503,
      body: {
        errors: [
          {
            message: expect.stringContaining("2 WebSocket connections"),
            extensions: { code: "OPERATION_LIMIT_EXCEEDED", maxConnectionsPerProcess: 2 },
          },
        ],
      },
    });
    await closeSocket(open[0]!);
    await settled(
      async () => (await gauge(live, "prefetch_graph_ws_connections_active")) === 1,
      "one closed",
    );
    await closeSocket(await rawSocket(live));
    await closeSocket(open[1]!);
  });

  it("closes a connection that holds no subscription for the idle timeout, and not one that does", async () => {
    const live = await liveServer({ env: { PREFETCH_GRAPH_WS_IDLE_TIMEOUT_MS: "200" } });
    const idle = await rawSocket(live);
    expect(await closed(idle)).toEqual({
      code: CLOSE_IDLE,
      reason: "No subscription for 200 ms: closed as idle.",
    });

    const busy = await rawSocket(live);
    const task = waitingTask(live);
    busy.send(
      JSON.stringify({
        id: "1",
        type: "subscribe",
        payload: { query: UPDATES, variables: { ids: [task.id] } },
      }),
    );
    await nextMessage(busy, "next");
    // Several idle timeouts later it is still open, as long as its subscription runs.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(busy.readyState).toBe(WebSocket.OPEN);
    busy.send(JSON.stringify({ id: "1", type: "complete" }));
    expect(await closed(busy)).toMatchObject({ code: CLOSE_IDLE });
  });

  it("logs clients that disconnect abruptly mid-subscription as gone, never as errors", async () => {
    const logs = captureLogs("info");
    const live = await liveServer({ logger: logs.logger });
    const baidu = live.server.sandbox.baiduGeo;
    const ids = baidu
      .recordIds("www.example.com")
      .slice(0, 20)
      .map((r) => baiduId(live, "www.example.com", r));
    for (let k = 0; k < 10; k++) {
      const socket = await rawSocket(live);
      for (let j = 0; j < 5; j++) {
        socket.send(
          JSON.stringify({ id: `s${j}`, type: "subscribe", payload: { query: UPDATES, variables: { ids } } }),
        );
      }
      // Gone without a close frame as the first answers come, while the server is still sending the others.
      await nextMessage(socket, "next");
      if (k % 2 === 0) socket.terminate();
      else (socket as unknown as { _socket: { destroy(): void } })._socket.destroy();
    }
    await settled(
      async () => (await gauge(live, "prefetch_graph_ws_connections_active")) === 0,
      "every connection to close",
    );
    await settled(() => live.scheduler.timers === 0, "the pollers to stop");
    expect(await gauge(live, "prefetch_graph_task_pollers_active")).toBe(0);
    const lines = logs.lines as { level: number; msg: string }[];
    expect(lines.filter((l) => l.msg === "subscription started").length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    expect(await gauge(live, "prefetch_graph_subscriptions_active")).toBe(0);
    expect(await gauge(live, "prefetch_graph_watched_tasks_active")).toBe(0);
  });

  it("serves only subscriptions over WebSocket, and refuses a subscription over HTTP", async () => {
    const live = await liveServer();
    const query = connect(live).subscribe(`{ providerAccounts { name } }`);
    expect(await query.ended).toEqual({
      kind: "errors",
      errors: [expect.objectContaining({ extensions: { code: "BAD_REQUEST" } })],
    });
    const overHttp = await postGraphQL(live.server.url, { query: UPDATES, variables: { ids: ["x"] } });
    expect(overHttp.status).toBe(400);
    expect(overHttp.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
  });

  it("refuses a browser page of an origin that is neither the server's own nor a CORS origin", async () => {
    const live = await liveServer({ env: { PREFETCH_GRAPH_CORS_ORIGINS: "https://app.example.com" } });
    const upgrade = (origin: string) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(wsUrl(live.server.url), "graphql-transport-ws", { headers: { origin } });
        socket.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        socket.once("open", () => {
          socket.close();
          resolve(101);
        });
        socket.once("error", reject);
      });
    expect(await upgrade("https://evil.example")).toBe(403);
    expect(await upgrade("https://app.example.com")).toBe(101);
    expect(await upgrade(new URL(live.server.url).origin)).toBe(101);
  });

  it("closes its connections when the server shuts down", async () => {
    const live = await liveServer();
    const task = waitingTask(live);
    const sub = connect(live).subscribe<UpdatesData>(UPDATES, { ids: [task.id] });
    await sub.untilResults(1);
    await live.server.close();
    servers.splice(servers.indexOf(live), 1);
    expect(await sub.ended).toMatchObject({ kind: "closed", code: 1001 });
  });
});

/**
 * No task of the server is polled any more, nor can be: no poll timer is left, no poller, and time moving on by
 * an hour sends nothing upstream (counted after a round trip to the server, which lets a poll it started land).
 */
async function expectNoMorePolls(live: LiveServer): Promise<void> {
  await settled(() => live.scheduler.timers === 0, "the pollers to stop");
  expect(await gauge(live, "prefetch_graph_task_pollers_active")).toBe(0);
  const calls = live.server.sandbox.baiduGeo.calls() + live.server.sandbox.wangsuCdnPro.calls();
  live.scheduler.advance(60 * 60_000);
  expect(live.scheduler.timers).toBe(0);
  expect(await gauge(live, "prefetch_graph_task_pollers_active")).toBe(0);
  expect(live.server.sandbox.baiduGeo.calls() + live.server.sandbox.wangsuCdnPro.calls()).toBe(calls);
}

/** A raw graphql-transport-ws connection, initialised and acknowledged. */
async function rawSocket(live: LiveServer): Promise<WebSocket> {
  const socket = new WebSocket(wsUrl(live.server.url), "graphql-transport-ws");
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  socket.send(JSON.stringify({ type: "connection_init" }));
  await nextMessage(socket, "connection_ack");
  return socket;
}

/** The next message of `type` on the socket (others before it are skipped). */
function nextMessage(socket: WebSocket, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const message = JSON.parse((data as Buffer).toString("utf8")) as Record<string, unknown>;
      if (message.type !== type) return;
      socket.off("message", onMessage);
      resolve(message);
    };
    socket.on("message", onMessage);
    socket.once("close", (code) => reject(new Error(`closed (${code}) before a ${type} message`)));
  });
}

/** How the server closed the socket. */
function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  if (socket.readyState === WebSocket.CLOSED) throw new Error("already closed");
  return new Promise((resolve) =>
    socket.once("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
}

async function closeSocket(socket: WebSocket): Promise<void> {
  const done = closed(socket);
  socket.close();
  await done;
}

/** An upgrade the server refuses: its HTTP status and JSON body. */
function upgradeRefusal(live: LiveServer): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(live.server.url), "graphql-transport-ws");
    socket.once("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
    socket.once("open", () => reject(new Error("the upgrade was accepted")));
    socket.once("error", () => undefined);
  });
}

/** A gauge's value on /metrics. */
async function gauge(live: LiveServer, name: string): Promise<number> {
  const res = await request(live.server.url.replace(/\/graphql$/, "/metrics"));
  const text = await res.body.text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} on /metrics`);
  return Number(line.split(" ")[1]);
}
