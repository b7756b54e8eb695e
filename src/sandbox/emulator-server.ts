import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Handles one request. `signal` aborts when the response is done, the client has gone or the emulator is
 * closing: whatever the handler is still waiting for is moot then. `closing` aborts only when the emulator
 * closes, for a handler that must go on with a request its client abandoned (a provider still counts it).
 */
export type EmulatorHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  signal: AbortSignal,
  closing: AbortSignal,
) => Promise<void>;

export interface EmulatorServerOptions {
  /** Default 127.0.0.1: the emulators are for loopback use only. */
  readonly host?: string;
  /** Default 0: the OS picks a free port; read it back from `url`. */
  readonly port?: number;
  /** Answers a request whose handler rejected; by default its connection is dropped. */
  readonly onError?: (res: ServerResponse, error: unknown) => void;
}

export interface EmulatorServer {
  /** `http://host:port` of the bound address, no trailing slash. */
  readonly url: string;
  readonly server: Server;
  /** Idempotent: aborts pending delays, drops idle keep-alive connections and stops listening. */
  close(): Promise<void>;
}

const JSON_TYPE = "application/json; charset=utf-8";

/** Starts an HTTP server for an emulator's handler and resolves once it listens. */
export async function startEmulatorServer(
  handler: EmulatorHandler,
  options: EmulatorServerOptions = {},
): Promise<EmulatorServer> {
  const onError = options.onError ?? ((res: ServerResponse) => res.destroy());
  const inFlight = new Set<AbortController>();
  const closingController = new AbortController();
  const server = createServer((req, res) => {
    const controller = new AbortController();
    inFlight.add(controller);
    // "close" fires when the response is done or the connection dropped; either way a pending delay is moot.
    res.once("close", () => {
      controller.abort();
      inFlight.delete(controller);
    });
    handler(req, res, controller.signal, closingController.signal).catch((error: unknown) =>
      onError(res, error),
    );
  });
  const address = await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        closingController.abort();
        for (const controller of inFlight) controller.abort();
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        // Idle keep-alive sockets would otherwise hold close() (and jest) open until they time out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error("the sandbox server did not bind a TCP port"));
        return;
      }
      resolve(address);
    });
  });
}

/** Resolves when the request body has been read to the end (or the request is gone), so keep-alive works. */
export function drainRequest(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) {
      resolve();
      return;
    }
    req.once("end", () => resolve());
    req.once("close", () => resolve());
    req.once("error", () => resolve());
    req.resume();
  });
}

/** Waits `ms`; false when `signal` aborted first (nobody is left to answer). */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes a complete response whose body is already JSON text (or deliberately broken JSON); a no-op when the
 * client has already gone (a delayed answer after a timeout).
 */
export function sendJsonText(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    ...headers,
    "content-type": JSON_TYPE,
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/** Writes `body` as a complete JSON response, like sendJsonText. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** The counts behind an emulator's calls() and resetCalls(): every request, and each kind of routed request. */
export class CallCounter<K extends string> {
  private all = 0;
  private readonly byKind = new Map<K, number>();

  /** Counts a request on any path, whatever becomes of it. */
  countRequest(): void {
    this.all += 1;
  }

  /** Counts a request as one of `kind` as well. */
  countKind(kind: K): void {
    this.byKind.set(kind, this.get(kind) + 1);
  }

  /** All requests without `kind`, else those counted as `kind`. */
  get(kind?: K): number {
    return kind === undefined ? this.all : (this.byKind.get(kind) ?? 0);
  }

  reset(): void {
    this.all = 0;
    this.byKind.clear();
  }
}
