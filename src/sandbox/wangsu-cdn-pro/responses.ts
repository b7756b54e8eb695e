import type { ServerResponse } from "node:http";
import { sendJson } from "../emulator-server";
import type { WangsuErrorBody } from "./dto";

/** Every error is `{code, message}`, the pair the per-endpoint documents list. */
export function sendError(
  res: ServerResponse,
  status: number,
  error: WangsuErrorBody,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJson(res, status, { code: error.code, message: error.message }, headers);
}
