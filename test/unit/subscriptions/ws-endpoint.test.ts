import type { IncomingMessage } from "node:http";
import { WebSocket } from "ws";
import { sendTo } from "../../../src/subscriptions/ws-binding";
import { presentedKey } from "../../../src/subscriptions/ws-credentials";
import { originAllowed } from "../../../src/subscriptions/ws-upgrade";
import { captureLogs } from "../../support/log-capture";

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe("the API key a WebSocket connection presents", () => {
  it("is connection_init's authorization, whatever its case", () => {
    expect(presentedKey({ Authorization: "Bearer k1" }, request({}))).toBe("Bearer k1");
    expect(presentedKey({ authorization: "Bearer k1" }, request({ authorization: "Bearer k2" }))).toBe(
      "Bearer k1",
    );
  });

  it("is the token Apollo Router puts there when it propagates a client's Authorization header", () => {
    expect(presentedKey({ token: "Bearer k1" }, request({}))).toBe("Bearer k1");
  });

  it("is the upgrade request's own authorization header where connection_init carries none", () => {
    expect(presentedKey({}, request({ authorization: "Bearer k2" }))).toBe("Bearer k2");
    expect(presentedKey(undefined, request({ authorization: "Bearer k2" }))).toBe("Bearer k2");
    expect(presentedKey({ authorization: 42 }, request({}))).toBeUndefined();
  });
});

describe("the Origin of a WebSocket upgrade", () => {
  it("may be absent: a client that is not a browser", () => {
    expect(originAllowed(request({ host: "api.example.com" }), [])).toBe(true);
  });

  it("may be the server's own (its GraphiQL page)", () => {
    expect(originAllowed(request({ host: "api.example.com", origin: "https://api.example.com" }), [])).toBe(
      true,
    );
  });

  it("may be a configured CORS origin, or any where CORS allows any", () => {
    const req = request({ host: "api.example.com", origin: "https://app.example.com" });
    expect(originAllowed(req, ["https://app.example.com"])).toBe(true);
    expect(originAllowed(req, "*")).toBe(true);
  });

  it("may be the public host a proxy that rewrote Host names (X-Forwarded-Host, Forwarded)", () => {
    const page = "https://graph.example.com";
    const behindProxy = { host: "10.0.0.7:4000", origin: page };
    expect(originAllowed(request({ ...behindProxy, "x-forwarded-host": "graph.example.com" }), [])).toBe(
      true,
    );
    expect(
      originAllowed(request({ ...behindProxy, "x-forwarded-host": "graph.example.com, 10.0.0.2" }), []),
    ).toBe(true);
    expect(
      originAllowed(request({ ...behindProxy, forwarded: 'for=1.2.3.4;host="graph.example.com"' }), []),
    ).toBe(true);
    // A proxy that names no original host: the public origin has to be a configured CORS origin.
    expect(originAllowed(request(behindProxy), [])).toBe(false);
    expect(originAllowed(request(behindProxy), [page])).toBe(true);
  });

  it("may not be another page's where a proxy names the public host", () => {
    const req = request({
      host: "10.0.0.7:4000",
      origin: "https://evil.example",
      "x-forwarded-host": "graph.example.com",
    });
    expect(originAllowed(req, [])).toBe(false);
  });

  it("may not be any other page's, nor a sandboxed page's", () => {
    expect(originAllowed(request({ host: "api.example.com", origin: "https://evil.example" }), [])).toBe(
      false,
    );
    expect(
      originAllowed(request({ host: "api.example.com", origin: "null" }), ["https://app.example.com"]),
    ).toBe(false);
  });
});

describe("a message sent to a client", () => {
  /** A socket whose every write fails as a write to a client that went away does. */
  function brokenSocket(code: string | undefined, readyState: number = WebSocket.OPEN) {
    const failure = Object.assign(new Error(`write ${code ?? "failed"}`), code === undefined ? {} : { code });
    let sent = 0;
    let terminated = 0;
    const socket = {
      readyState,
      send: (_data: string, done: (err?: Error) => void) => {
        sent++;
        done(failure);
      },
      terminate: () => void terminated++,
    } as unknown as WebSocket;
    return { socket, sent: () => sent, terminated: () => terminated };
  }

  it("that has gone (EPIPE, ECONNRESET) is dropped quietly: no error, no warning, only a debug line", async () => {
    for (const code of ["EPIPE", "ECONNRESET"]) {
      const logs = captureLogs("debug");
      const { socket, terminated } = brokenSocket(code);
      await expect(sendTo(socket, "{}", logs.logger)).resolves.toBeUndefined();
      expect(terminated()).toBe(1);
      expect(logs.lines).toEqual([
        expect.objectContaining({ level: 20, msg: "WebSocket send failed: client gone" }),
      ]);
    }
  });

  it("that is no longer open is not written to at all", async () => {
    const logs = captureLogs("debug");
    const { socket, sent } = brokenSocket("EPIPE", WebSocket.CLOSING);
    await sendTo(socket, "{}", logs.logger);
    expect(sent()).toBe(0);
    expect(logs.lines).toEqual([]);
  });

  it("whose socket fails otherwise is dropped with a warning, never an error", async () => {
    const logs = captureLogs("debug");
    const { socket, terminated } = brokenSocket(undefined);
    await expect(sendTo(socket, "{}", logs.logger)).resolves.toBeUndefined();
    expect(terminated()).toBe(1);
    expect(logs.lines).toEqual([expect.objectContaining({ level: 40, msg: "WebSocket send failed" })]);
  });
});
