import fc from "fast-check";
import { UpstreamError } from "../../src/errors/app-error";

/** Arbitrary JSON bodies and "near-valid" bodies for the provider mapper properties. */

/** Any JSON value, including what fc.anything() turns into once it has been through JSON. */
export const anyJsonArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.anything().map((v) => {
    const text = JSON.stringify(v);
    return text === undefined ? null : (JSON.parse(text) as unknown);
  }),
);

/**
 * Values a provider might plausibly send in place of a field: edge cases of every type the readers check
 * (percent bounds, fractions, timestamps real and impossible, statuses near the real ones), and any JSON.
 */
export const fieldValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -0,
    1,
    -1,
    50,
    99.5,
    100,
    101,
    1e21,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 2,
    "",
    " ",
    "0",
    "100",
    "x",
    [],
    {},
    [{}],
    "2025-11-10T02:50:39Z",
    "2025-11-10T02:50:39.123Z",
    "2025-11-10T02:50:39.123456Z",
    "2025-11-10T02:50:39+08:00",
    "2025-11-10t02:50:39z",
    "2025-02-30T00:00:00Z",
    "2025-11-10T24:00:00Z",
    "2016-12-31T23:59:60Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "+275760-09-13T00:00:00Z",
    "2025-11-10",
    "waiting",
    "in-progress",
    "inprogress",
    "completed",
    "failed",
    "finished",
    "FINISHED",
    "http://example.com",
    "https://a.example.com/x.js",
    "http://[::1",
    "not a url",
  ),
  fc.integer({ min: -5, max: 105 }),
  fc.double(),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string({ maxLength: 12 }),
);

type Path = readonly (string | number)[];

/** Every path into `value`, the root included. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  }
  return out;
}

/** `value` with the node at `path` replaced (undefined: removed; a key of an object may be new). */
function setAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) {
    const copy = [...(value as unknown[])];
    if (replacement === undefined && rest.length === 0) copy.splice(Number(head), 1);
    else copy[Number(head)] = setAt(copy[Number(head)], rest, replacement);
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  if (replacement === undefined && rest.length === 0) delete copy[head];
  else copy[head] = setAt(copy[head], rest, replacement);
  return copy;
}

interface Edit {
  readonly at: number;
  /** Undefined: remove the node. */
  readonly value: unknown;
  /** Add a key under an object instead of replacing the node (e.g. a second spelling of "metadata"). */
  readonly newKey: string | null;
}

const editArb: fc.Arbitrary<Edit> = fc.record({
  at: fc.nat(),
  value: fc.option(fieldValueArb, { nil: undefined, freq: 6 }),
  newKey: fc.option(fc.constantFrom("metaData", "METADATA", "extra", "url", "id"), { nil: null, freq: 8 }),
});

/**
 * One of `bodies` (valid) with one to three of its nodes replaced by arbitrary values, removed, or given a new
 * key; then through JSON, as a body arrives (NaN and Infinity become null, -0 becomes 0).
 */
export function nearValid(bodies: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.nat({ max: bodies.length - 1 }), fc.array(editArb, { minLength: 1, maxLength: 3 }))
    .map(([which, edits]) => {
      const edited = edits.reduce((doc: unknown, edit) => {
        const paths = pathsOf(doc);
        const path = paths[edit.at % paths.length]!;
        if (edit.newKey !== null) {
          const node = path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], doc);
          if (typeof node === "object" && node !== null && !Array.isArray(node)) {
            return setAt(doc, [...path, edit.newKey], edit.value ?? null);
          }
        }
        return setAt(doc, path, edit.value);
      }, bodies[which]);
      return JSON.parse(JSON.stringify(edited) ?? "null") as unknown;
    });
}

/**
 * Jest raises Error.stackTraceLimit to 100, and fast-check runs each case deep in its own frames: thousands of
 * expected UPSTREAM_BAD_RESPONSE errors then cost more than the parsing. A property file lowers the limit while
 * it runs (failures still show the frames that matter).
 */
export function shortStackTraces(): void {
  let saved = Error.stackTraceLimit;
  beforeAll(() => {
    saved = Error.stackTraceLimit;
    Error.stackTraceLimit = 10;
  });
  afterAll(() => {
    Error.stackTraceLimit = saved;
  });
}

/** Runs `parseAndMap`: its value, or the UPSTREAM_BAD_RESPONSE it threw; anything else is thrown on. */
export function mapOrBadResponse<T>(parseAndMap: () => T): { value: T } | { error: UpstreamError } {
  try {
    return { value: parseAndMap() };
  } catch (err) {
    if (err instanceof UpstreamError && err.code === "UPSTREAM_BAD_RESPONSE") return { error: err };
    throw err;
  }
}

/** A valid Date (not an Invalid Date) or null. */
export function isDateOrNull(v: unknown): boolean {
  return v === null || (v instanceof Date && !Number.isNaN(v.getTime()));
}

/** A valid Date. */
export function isDate(v: unknown): boolean {
  return v instanceof Date && !Number.isNaN(v.getTime());
}

/** An integer percentage 0..100 or null. */
export function isPercentOrNull(v: unknown): boolean {
  return v === null || (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 100);
}

export function isStringOrNull(v: unknown): boolean {
  return v === null || typeof v === "string";
}
