import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger };

/** Shorter values are not hunted for in log lines: they would match ordinary words and ids. */
const MIN_SECRET_LENGTH = 8;

export interface LoggerOptions {
  /**
   * Values that must never appear in a log line, wherever they occur and whatever field holds them: every
   * configured credential value (see configuredSecrets), so a provider added with credential fields of its own
   * is covered without a redaction path naming them.
   */
  readonly secrets?: readonly string[];
  /** Where lines go; stdout (synchronously) by default. */
  readonly destination?: DestinationStream;
}

/**
 * Structured JSON logs on stdout; children add provider/account/requestId. Authorization headers are never logged.
 *
 * Written synchronously, as Node writes its own stdout to files and pipes: pino's default asynchronous
 * destination still had a line in flight when process.exit() ran, and lost the last lines of most exits (the
 * "stopped" line, a fatal error). The cost is one write(2) per line, about one line per operation at `info`.
 */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const secrets = secretForms(options.secrets ?? []);
  return pino(
    {
      level,
      base: { service: "prefetch-graph" },
      redact: {
        paths: [
          "*.authorization",
          "*.headers.authorization",
          "*.credentials",
          "*.secretAccessKey",
          "*.apiKey",
          "*.password",
        ],
        censor: "[redacted]",
      },
      ...(secrets.length > 0 && { hooks: { streamWrite: (line: string) => redactValues(line, secrets) } }),
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Each secret as it may appear in a JSON line: as is, and JSON-escaped where that differs. */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so that a secret containing another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

function redactValues(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
  return out;
}
