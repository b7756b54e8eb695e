import { DAY, parseUtcTimestamp } from "../time";
import { BaiduApiError, INVALID_ARGUMENT } from "./api-error";
import type { MarkerBinding, MarkerCodec } from "./marker";

/** Defaults and limits from the GEO doc: startTime defaults to endTime − 24 h; the span is at most 30 days. */
export const DEFAULT_SPAN_MS = DAY;
export const MAX_SPAN_MS = 30 * DAY;

export type PrefetchQuery =
  | { readonly kind: "byId"; readonly site: string; readonly id: string }
  | {
      readonly kind: "list";
      readonly site: string;
      /** Inclusive bounds, as the API compares: startTime <= createdAt <= endTime. */
      readonly windowStartMs: number;
      readonly windowEndMs: number;
      /** Resume strictly after this record (from the marker). */
      readonly after?: { readonly createdAtMs: number; readonly id: string };
      readonly binding: MarkerBinding;
    };

const KNOWN = ["site", "id", "startTime", "endTime", "marker"] as const;
type Known = (typeof KNOWN)[number];

const invalid = (message: string): BaiduApiError => new BaiduApiError(400, INVALID_ARGUMENT, message);

function collect(params: ReadonlyArray<readonly [string, string]>): Partial<Record<Known, string>> {
  const values: Partial<Record<Known, string>> = {};
  for (const [key, value] of params) {
    const known = KNOWN.find((name) => name === key);
    // Parameters the API does not define are ignored (they are still covered by the signature).
    if (known === undefined) continue;
    if (values[known] !== undefined) throw invalid(`The parameter ${known} is given more than once.`);
    values[known] = value;
  }
  return values;
}

function timestamp(name: "startTime" | "endTime", text: string | undefined): number | undefined {
  // An empty value is treated as omitted, as clients that always send every key would otherwise break.
  if (text === undefined || text === "") return undefined;
  const ms = parseUtcTimestamp(text);
  if (ms === undefined) throw invalid(`The parameter ${name} must be a UTC time like 2025-11-10T02:00:00Z.`);
  return ms;
}

/** Validates the GET /v2/geo/cache/prefetch query; throws the BaiduApiError the API would answer. */
export function parsePrefetchQuery(
  params: ReadonlyArray<readonly [string, string]>,
  nowMs: number,
  markers: MarkerCodec,
): PrefetchQuery {
  const values = collect(params);
  const site = values.site ?? "";
  if (site === "") throw invalid("The parameter site is required.");
  const start = timestamp("startTime", values.startTime);
  const end = timestamp("endTime", values.endTime);
  const id = values.id ?? "";
  const marker = values.marker ?? "";

  if (id !== "") {
    if (marker !== "") throw invalid("The parameter marker is not supported together with id.");
    // With an id the API returns every record of the task and needs no time range.
    return { kind: "byId", site, id };
  }

  const windowEndMs = end ?? nowMs;
  const windowStartMs = start ?? windowEndMs - DEFAULT_SPAN_MS;
  if (windowStartMs > windowEndMs) throw invalid("The parameter startTime must not be later than endTime.");
  if (windowEndMs - windowStartMs > MAX_SPAN_MS) {
    throw invalid("The time range between startTime and endTime must not exceed 30 days.");
  }

  const binding: MarkerBinding = { site, startTime: values.startTime ?? "", endTime: values.endTime ?? "" };
  if (marker === "") return { kind: "list", site, windowStartMs, windowEndMs, binding };

  const decoded = markers.decode(marker, binding);
  if (!decoded.ok) {
    throw invalid(
      decoded.reason === "mismatch"
        ? "The marker belongs to another query: site, startTime and endTime must equal the previous call's."
        : "The parameter marker is invalid.",
    );
  }
  return {
    kind: "list",
    site,
    windowStartMs: decoded.state.windowStartMs,
    windowEndMs: decoded.state.windowEndMs,
    after: { createdAtMs: decoded.state.lastCreatedAtMs, id: decoded.state.lastId },
    binding,
  };
}
