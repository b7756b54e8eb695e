import type { ServerResponse } from "node:http";
import type { WangsuErrorBody } from "./dto";

const JSON_TYPE = "application/json; charset=utf-8";

/** Writes a complete response; a no-op when the client has already gone (a delayed answer after a timeout). */
export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    "Content-Type": JSON_TYPE,
    "Content-Length": String(Buffer.byteLength(body, "utf8")),
    ...headers,
  });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendText(res, status, JSON.stringify(body), headers);
}

/** Every error is `{code, message}`, the pair the per-endpoint documents list. */
export function sendError(
  res: ServerResponse,
  status: number,
  error: WangsuErrorBody,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJson(res, status, { code: error.code, message: error.message }, headers);
}
