import { Writable } from "node:stream";
import pino, { type Logger, type Level } from "pino";

export interface CapturedLogs<T = Record<string, unknown>> {
  /** A pino logger whose JSON lines land in `lines` (parsed) and `raw` (as written). */
  readonly logger: Logger;
  readonly lines: T[];
  readonly raw: string[];
}

/** A logger for tests that read what the server logs, line by line. */
export function captureLogs<T = Record<string, unknown>>(level: Level = "info"): CapturedLogs<T> {
  const lines: T[] = [];
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        raw.push(line);
        lines.push(JSON.parse(line) as T);
      }
      done();
    },
  });
  return { logger: pino({ level }, sink), lines, raw };
}
