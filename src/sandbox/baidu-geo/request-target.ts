import { BaiduApiError } from "./api-error";

export interface RequestTarget {
  /** Percent-decoded path. */
  readonly path: string;
  /** Decoded query parameters in wire order, repeats kept (they are all signed). */
  readonly query: ReadonlyArray<readonly [string, string]>;
}

function decode(component: string, plusIsSpace: boolean): string {
  try {
    return decodeURIComponent(plusIsSpace ? component.replace(/\+/g, " ") : component);
  } catch {
    throw new BaiduApiError(400, "InvalidURI", "The request URI contains an invalid percent-encoding.");
  }
}

/**
 * Splits an origin-form request target. A `+` in the query decodes to a space, as Go's net/url and Java
 * servlets (the likely server stacks) do; a client that signs with uriEncode never sends a raw `+` anyway.
 */
export function parseRequestTarget(rawTarget: string): RequestTarget {
  if (!rawTarget.startsWith("/")) {
    throw new BaiduApiError(400, "InvalidURI", "The request URI must be an absolute path.");
  }
  const hashAt = rawTarget.indexOf("#");
  const target = hashAt === -1 ? rawTarget : rawTarget.slice(0, hashAt);
  const queryAt = target.indexOf("?");
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const rawQuery = queryAt === -1 ? "" : target.slice(queryAt + 1);
  const query: Array<readonly [string, string]> = [];
  for (const segment of rawQuery.split("&")) {
    if (segment === "") continue;
    const eq = segment.indexOf("=");
    const key = eq === -1 ? segment : segment.slice(0, eq);
    const value = eq === -1 ? "" : segment.slice(eq + 1);
    query.push([decode(key, true), decode(value, true)]);
  }
  return { path: decode(rawPath, false), query };
}
