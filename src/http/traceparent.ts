/** The parts of a W3C `traceparent` header (Trace Context, level 1) worth keeping in the logs. */
export interface TraceParent {
  /** 32 lower-case hex digits: the trace the caller's span belongs to. */
  readonly traceId: string;
  /** 16 lower-case hex digits: the caller's span, the parent of ours. */
  readonly parentId: string;
}

/**
 * Version 00 is exactly version-traceid-parentid-flags; a later version may append fields after a dash, which
 * we do not read. Anchored and bounded, so a huge or foreign value costs one failed match and is never logged.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const MAX_LENGTH = 256;
const ZERO_TRACE = "0".repeat(32);
const ZERO_PARENT = "0".repeat(16);

/**
 * The trace id and parent id of a valid `traceparent` header, or null where it is absent or not valid: version
 * `ff`, an all-zero id, upper-case hex, extra fields on version 00 or a value of more than 256 characters are
 * refused, as the specification asks, rather than passed on to the logs.
 */
export function parseTraceparent(value: string | string[] | undefined): TraceParent | null {
  // Several headers: the specification's receiver treats that as invalid.
  if (typeof value !== "string" || value.length > MAX_LENGTH) return null;
  const m = TRACEPARENT.exec(value.trim());
  if (m === null) return null;
  const [, version, traceId, parentId, , rest] = m;
  if (version === "ff" || (version === "00" && rest !== undefined)) return null;
  if (traceId === undefined || parentId === undefined) return null;
  if (traceId === ZERO_TRACE || parentId === ZERO_PARENT) return null;
  return { traceId, parentId };
}
