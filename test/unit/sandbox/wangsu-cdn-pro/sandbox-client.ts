import { createHmac } from "node:crypto";
import { request } from "undici";
import type { WangsuCdnProSandbox } from "../../../../src/sandbox/wangsu-cdn-pro";

/**
 * A deliberately tiny, independent signer for speaking to the emulator: it shares nothing with the emulator's
 * verifier, so a bug on one side cannot hide a bug on the other. It is pinned to the same vector as both.
 */
export function basicAuthorization(username: string, apiKey: string, dateValue: string): string {
  const password = createHmac("sha1", apiKey).update(dateValue).digest("base64");
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

export const USER = { username: "sandbox-user", apiKey: "sandbox-secret" } as const;
export const OTHER_USER = { username: "other-user", apiKey: "other-secret" } as const;

/** The frozen clock the HTTP tests run on; the anchor is the minute before. */
export const NOW = new Date("2024-05-01T12:00:30Z");
export const ANCHOR = new Date("2024-05-01T12:00:00Z");
export const DAY_MS = 24 * 60 * 60 * 1000;

export interface SandboxResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json<T = Record<string, unknown>>(): T;
}

export interface GetOptions {
  readonly method?: "GET" | "POST" | "DELETE";
  readonly user?: { readonly username: string; readonly apiKey: string } | null;
  /** The moment the client believes it is; the Date header is its toUTCString(). */
  readonly date?: Date;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Gives up on the request (the emulator may still be working on it). */
  readonly signal?: AbortSignal;
}

/** One signed request with a Date header, unless `user: null` or explicit headers say otherwise. */
export async function call(
  sandbox: WangsuCdnProSandbox,
  pathAndQuery: string,
  options: GetOptions = {},
): Promise<SandboxResponse> {
  const dateValue = (options.date ?? NOW).toUTCString();
  const user = options.user === undefined ? USER : options.user;
  const headers: Record<string, string> = { accept: "application/json", date: dateValue };
  if (user !== null) headers.authorization = basicAuthorization(user.username, user.apiKey, dateValue);
  const res = await request(`${sandbox.url}${pathAndQuery}`, {
    method: options.method ?? "GET",
    headers: { ...headers, ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: <T>() => JSON.parse(text) as T,
  };
}

/** `?startdate=…&enddate=…` plus extra parameters, dates in the documented whole-second form. */
export function listPath(
  window: { start: Date; end: Date },
  extra: Record<string, string | number> = {},
): string {
  const params = new URLSearchParams({
    startdate: window.start.toISOString().replace(/\.\d{3}Z$/, "Z"),
    enddate: window.end.toISOString().replace(/\.\d{3}Z$/, "Z"),
  });
  for (const [key, value] of Object.entries(extra)) params.set(key, String(value));
  return `/cdn/prefetches?${params.toString()}`;
}

/** A window that holds every seeded task. */
export function wholeSpan(sandbox: WangsuCdnProSandbox): { start: Date; end: Date } {
  return { start: new Date(sandbox.anchor.getTime() - 61 * DAY_MS), end: sandbox.anchor };
}

export interface ListRow {
  readonly id: string;
  readonly name?: string;
  readonly status: string;
  readonly submissionTime: string;
  readonly finishTime?: string;
  readonly successRate?: number;
  readonly apiRequestId: string;
  readonly fileEntries: number;
  readonly hostnames: string[];
}

export interface ListBody {
  readonly count: number;
  readonly prefetchRequests: ListRow[];
}
