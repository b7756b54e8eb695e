import { drawTiming, type LiveTiming, rampAt, scheduleRandom } from "../live-progress";
import { formatUtcSeconds, parseUtcTimestamp } from "../time";
import { type BaiduPrefetchStatusJson, FAILURE_REASONS, type SeedData, type SeedRecord } from "./seed-data";

/** How a record waiting or in progress at the anchor moves on (see live-progress.ts). */
export interface RecordSchedule extends LiveTiming {
  /** The terminal status, and the progress and failure reason it ends with. */
  readonly status: "completed" | "failed";
  readonly progress: number;
  readonly reason?: string;
  /** The progress at the anchor, where the rise starts (0 for a waiting record). */
  readonly fromProgress: number;
  /** startedAt once running: the seeded one, or the drawn start of a record waiting at the anchor. */
  readonly startedAtMs: number;
}

/** Share of unfinished records that end failed; finished history has about the same (15 %). */
const FAILURE_SHARE = 0.15;

function planRecord(record: SeedRecord, seed: number, anchorMs: number): RecordSchedule | undefined {
  const { status, progress, startedAt } = record.json;
  if (status !== "waiting" && status !== "in-progress") return undefined;
  const draw = scheduleRandom(seed, record.id);
  const timing = drawTiming(draw, anchorMs, { waiting: status === "waiting" });
  // Drawn whatever the outcome, in a fixed order: each value depends on the seed and the record id alone.
  const fails = draw.chance(FAILURE_SHARE);
  const failedAt = draw.int(progress, 99);
  const reason = draw.pick(FAILURE_REASONS);
  const seededStartMs = startedAt === undefined ? undefined : parseUtcTimestamp(startedAt);
  const startedAtMs = timing.startsAtMs ?? seededStartMs ?? anchorMs;
  return fails
    ? { ...timing, status: "failed", progress: failedAt, reason, fromProgress: progress, startedAtMs }
    : { ...timing, status: "completed", progress: 100, fromProgress: progress, startedAtMs };
}

/** The schedule of every record unfinished at the data's anchor, by record id. */
export function planRecordSchedules(data: SeedData, seed: number): ReadonlyMap<string, RecordSchedule> {
  const anchorMs = data.anchor.getTime();
  const schedules = new Map<string, RecordSchedule>();
  for (const record of data.byId.values()) {
    const schedule = planRecord(record, seed, anchorMs);
    if (schedule !== undefined) schedules.set(record.id, schedule);
  }
  return schedules;
}

/**
 * The record as the API serialises it at `atMs`: as seeded until its schedule moves it, then in progress with
 * its progress rising (at most 99 until it ends), then terminal for good. Keys stay in Baidu's order.
 */
export function recordJsonAt(
  record: SeedRecord,
  schedule: RecordSchedule | undefined,
  atMs: number,
): BaiduPrefetchStatusJson {
  if (schedule === undefined || atMs < schedule.risesFromMs) return record.json;
  const { task, createdAt, operator, id } = record.json;
  const startedAt = formatUtcSeconds(schedule.startedAtMs);
  if (atMs >= schedule.terminalAtMs) {
    return {
      task,
      createdAt,
      startedAt,
      finishedAt: formatUtcSeconds(schedule.terminalAtMs),
      progress: schedule.progress,
      status: schedule.status,
      ...(schedule.reason === undefined ? {} : { reason: schedule.reason }),
      ...(operator === undefined ? {} : { operator }),
      id,
    };
  }
  return {
    task,
    createdAt,
    startedAt,
    progress: Math.min(99, rampAt(schedule, schedule.fromProgress, schedule.progress, atMs)),
    status: "in-progress",
    ...(operator === undefined ? {} : { operator }),
    id,
  };
}
