import pino, { type Logger } from "pino";

export type { Logger };

/** Structured JSON logs; children add provider/account/requestId. Authorization headers are never logged. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "prefetch-graph" },
    redact: {
      paths: ["*.authorization", "*.headers.authorization", "*.secret*", "*.apiKey"],
      censor: "[redacted]",
    },
  });
}
