import {
  CallCounter,
  drainRequest,
  pause,
  sendJson,
  sendJsonText,
  startEmulatorServer,
  type EmulatorServer,
} from "../../../src/sandbox/emulator-server";

describe("startEmulatorServer", () => {
  let server: EmulatorServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("serves the handler on a loopback url and writes complete JSON responses", async () => {
    server = await startEmulatorServer(async (req, res) => {
      await drainRequest(req);
      if (req.url === "/text") sendJsonText(res, 200, '{"raw":', { "x-extra": "1" });
      else sendJson(res, 201, { method: req.method, ok: "✓" });
    });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const json = await fetch(`${server.url}/json`, { method: "POST", body: "ignored body" });
    expect(json.status).toBe(201);
    expect(json.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(json.headers.get("content-length")).toBe(String(Buffer.byteLength('{"method":"POST","ok":"✓"}')));
    expect(await json.json()).toEqual({ method: "POST", ok: "✓" });

    const text = await fetch(`${server.url}/text`);
    expect(text.headers.get("x-extra")).toBe("1");
    expect(await text.text()).toBe('{"raw":');
  });

  it("drops the connection when the handler rejects, unless onError answers", async () => {
    const fail = (): Promise<void> => Promise.reject(new Error("boom"));
    server = await startEmulatorServer(fail);
    await expect(fetch(server.url)).rejects.toThrow();
    await server.close();

    server = await startEmulatorServer(fail, { onError: (res) => sendJson(res, 500, { failed: true }) });
    const reply = await fetch(server.url);
    expect(reply.status).toBe(500);
    expect(await reply.json()).toEqual({ failed: true });
  });

  it("close() is idempotent and ends pending delays", async () => {
    let paused: Promise<boolean> | undefined;
    server = await startEmulatorServer(async (_req, res, signal) => {
      paused = pause(60_000, signal);
      if (await paused) sendJson(res, 200, {});
    });
    const request = fetch(server.url).catch(() => "gone");
    while (paused === undefined) await pause(5, new AbortController().signal);
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
    await expect(paused).resolves.toBe(false);
    await expect(request).resolves.toBe("gone");
  });
});

describe("CallCounter", () => {
  it("counts every request and each kind apart, until reset", () => {
    const counts = new CallCounter<"list" | "detail">();
    counts.countRequest();
    counts.countRequest();
    counts.countKind("list");
    expect([counts.get(), counts.get("list"), counts.get("detail")]).toEqual([2, 1, 0]);
    counts.reset();
    expect([counts.get(), counts.get("list")]).toEqual([0, 0]);
  });
});
