import pino, { type Logger } from "pino";

export type { Logger };

/**
 * Structured JSON logs on stdout; children add provider/account/requestId. Authorization headers are never logged.
 *
 * Written synchronously, as Node writes its own stdout to files and pipes: pino's default asynchronous
 * destination still had a line in flight when process.exit() ran, and lost the last lines of most exits (the
 * "stopped" line, a fatal error). The cost is one write(2) per line, about one line per operation at `info`.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: "prefetch-graph" },
      redact: {
        paths: ["*.authorization", "*.headers.authorization", "*.secret*", "*.apiKey"],
        censor: "[redacted]",
      },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}
