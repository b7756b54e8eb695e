/**
 * Client-controlled text (operation names, aliases, typenames, error messages that quote input) reaches the logs
 * only through here: one client sent a 1,000,000-character operationName with every request and wrote 444 MB of
 * log in 5 s. 200 characters keep every name a person would give an operation.
 */
export const MAX_LOGGED_TEXT = 200;

/** `text` cut to `max` characters, with a marker saying how many were dropped. */
export function boundedText(text: string, max: number = MAX_LOGGED_TEXT): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}…[${text.length - max} more chars]`;
}

/** A response path (field names and aliases, list indexes) with each name bounded, and at most 32 entries. */
export function boundedPath(path: readonly (string | number)[] | undefined): (string | number)[] | undefined {
  if (path === undefined) return undefined;
  const kept = path.slice(0, 32).map((p) => (typeof p === "string" ? boundedText(p, 100) : p));
  return path.length > 32 ? [...kept, `…[${path.length - 32} more]`] : kept;
}

/** What a log line keeps of an unexpected error: type, code, message, stack and two levels of cause, each bounded. */
export function errorForLog(err: unknown, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: boundedText(String(err), 1_000) };
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    message: boundedText(err.message, 1_000),
    ...(typeof code === "string" && { code: boundedText(code, 100) }),
    ...(err.stack !== undefined && { stack: boundedText(err.stack, 4_000) }),
    ...(err.cause !== undefined && depth < 2 && { cause: errorForLog(err.cause, depth + 1) }),
  };
}
