import { providerDisplayName, type ProviderKind } from "../../domain/provider-kind";
import { UpstreamError } from "../../errors/app-error";
import { parseRfc3339 } from "./timestamp";

export type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A timestamp form a provider documents: how an error names it, and how it is read. */
export interface TimestampFormat {
  readonly expected: string;
  readonly parse: (text: string) => Date | null;
}

const RFC_3339_TIMESTAMP: TimestampFormat = {
  expected: "an RFC 3339 timestamp",
  parse: (text) => parseRfc3339(text),
};

export interface JsonReaderOptions {
  readonly provider: ProviderKind;
  readonly account: string;
  /** What the payload is, for the message: "prefetch list". */
  readonly what: string;
  /**
   * Whether a message quotes the offending value (bounded). Off for a provider whose free text we would rather
   * only log, as with StatusErrorDetails.message.
   */
  readonly quoteValues: boolean;
}

/**
 * Narrows one upstream payload from `unknown`. A field left out or sent as null is null for the optional
 * readers; anything of the wrong shape fails the whole payload with UPSTREAM_BAD_RESPONSE, naming its path.
 */
export class JsonReader {
  constructor(private readonly options: JsonReaderOptions) {}

  fail(path: string, expected: string, value: unknown): never {
    const { provider, account, what, quoteValues } = this.options;
    const got = quoteValues ? ` (got ${preview(value)})` : "";
    throw new UpstreamError(
      "UPSTREAM_BAD_RESPONSE",
      `${providerDisplayName(provider)} sent a malformed ${what}: ${path} should be ${expected}${got}.`,
      { provider, account },
    );
  }

  object(value: unknown, path: string): JsonObject {
    return isObject(value) ? value : this.fail(path, "an object", value);
  }

  array(value: unknown, path: string): readonly unknown[] {
    return Array.isArray(value) ? (value as readonly unknown[]) : this.fail(path, "a list", value);
  }

  optionalArray(value: unknown, path: string): readonly unknown[] | null {
    return value === undefined || value === null ? null : this.array(value, path);
  }

  boolean(value: unknown, path: string): boolean {
    return typeof value === "boolean" ? value : this.fail(path, "a boolean", value);
  }

  string(value: unknown, path: string): string {
    return typeof value === "string" ? value : this.fail(path, "a string", value);
  }

  nonEmptyString(value: unknown, path: string): string {
    return typeof value === "string" && value !== "" ? value : this.fail(path, "a non-empty string", value);
  }

  optionalString(value: unknown, path: string): string | null {
    return value === undefined || value === null ? null : this.string(value, path);
  }

  optionalNonEmptyString(value: unknown, path: string): string | null {
    return value === undefined || value === null ? null : this.nonEmptyString(value, path);
  }

  optionalStringList(value: unknown, path: string): readonly string[] | null {
    const list = this.optionalArray(value, path);
    return list === null ? null : list.map((item, i) => this.string(item, `${path}[${i}]`));
  }

  count(value: unknown, path: string): number {
    return typeof value === "number" && Number.isSafeInteger(value) && value >= 0
      ? value
      : this.fail(path, "a non-negative integer", value);
  }

  optionalCount(value: unknown, path: string): number | null {
    return value === undefined || value === null ? null : this.count(value, path);
  }

  /** Documented as an integer 0..100 by both providers, and served as GraphQL Int: a fraction is not that. */
  optionalPercent(value: unknown, path: string): number | null {
    if (value === undefined || value === null) return null;
    return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 100
      ? value
      : this.fail(path, "an integer from 0 to 100", value);
  }

  /** One of a provider's enum values, compared exactly (case included). */
  oneOf<T extends string>(values: readonly T[], value: unknown, path: string): T {
    return typeof value === "string" && (values as readonly string[]).includes(value)
      ? (value as T)
      : this.fail(path, `one of ${values.join(", ")}`, value);
  }

  timestamp(value: unknown, path: string, format: TimestampFormat = RFC_3339_TIMESTAMP): Date {
    const at = typeof value === "string" ? format.parse(value) : null;
    return at ?? this.fail(path, format.expected, value);
  }

  optionalTimestamp(value: unknown, path: string, format?: TimestampFormat): Date | null {
    return value === undefined || value === null ? null : this.timestamp(value, path, format);
  }
}

/** A provider's error body, leniently: each field is null where the body did not carry it (or was not JSON). */
export interface UpstreamErrorBody {
  readonly code: string | null;
  readonly message: string | null;
  readonly requestId: string | null;
}

/**
 * Reads what it can from an error body. It only enriches the error the HTTP status already decided, so an odd
 * body yields nulls rather than hiding that status behind UPSTREAM_BAD_RESPONSE. `requestIdKeys` are tried in
 * order (providers name the request id differently).
 */
export function readErrorBody(
  text: string,
  requestIdKeys: readonly string[] = ["requestId"],
): UpstreamErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  const body = isObject(json) ? json : {};
  const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
  const requestId = requestIdKeys.map((key) => str(body[key])).find((id) => id !== null) ?? null;
  return { code: str(body.code), message: str(body.message), requestId };
}

/** Shows a bad value in an error message without letting a large one through. */
function preview(value: unknown): string {
  if (value === undefined) return "absent";
  const text = JSON.stringify(value) ?? typeof value; // undefined only for functions and symbols
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
