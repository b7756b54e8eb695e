import { drawTiming, type LiveTiming, rampAt, scheduleRandom } from "../live-progress";
import type { SeededTask } from "./seed-data";

/** How a task waiting or in progress at the anchor moves on (see live-progress.ts). */
export interface TaskSchedule extends LiveTiming {
  /** The success rate it finishes with: 100, a partial rate, or where it stood (0 for most: FAILED). */
  readonly successRate: number;
  /** The rate the rise starts from: the seeded one, else 0 (a waiting task, or a running one not reporting). */
  readonly fromRate: number;
}

/**
 * Shares of the outcomes. CDN Pro has no failed status: a finished task with successRate 0 is a failure, one
 * between 0 and 100 a partial success, as in the finished history.
 */
const COMPLETED_SHARE = 0.7;
const PARTIAL_SHARE = 0.2;

function planTask(task: SeededTask, seed: number, anchorMs: number): TaskSchedule | undefined {
  if (task.status === "finished") return undefined;
  const draw = scheduleRandom(seed, task.id);
  // A scheduled waiting task starts at its startTime; a queued one when its turn comes.
  const timing = drawTiming(draw, anchorMs, {
    waiting: task.status === "waiting",
    ...(task.status === "waiting" && task.startMs !== undefined ? { startsAtMs: task.startMs } : {}),
  });
  const fromRate = task.successRate ?? 0;
  // Drawn whatever the outcome, in a fixed order: each value depends on the seed and the task id alone.
  const roll = draw.unit();
  const partial = draw.int(Math.min(Math.max(fromRate, 1), 99), 99);
  const successRate =
    roll < COMPLETED_SHARE ? 100 : roll < COMPLETED_SHARE + PARTIAL_SHARE ? partial : fromRate;
  return { ...timing, successRate, fromRate };
}

/** The schedule of every task unfinished at the anchor, by task id. */
export function planTaskSchedules(
  tasks: readonly SeededTask[],
  seed: number,
  anchorMs: number,
): ReadonlyMap<string, TaskSchedule> {
  const schedules = new Map<string, TaskSchedule>();
  for (const task of tasks) {
    const schedule = planTask(task, seed, anchorMs);
    if (schedule !== undefined) schedules.set(task.id, schedule);
  }
  return schedules;
}

/**
 * The task at `atMs`: as seeded until its schedule moves it, then in progress with a success rate rising (at
 * most 99 until it ends, and reported from then on even where the seed had none), then finished for good with
 * finishTime = the instant it ended.
 */
export function taskAt(task: SeededTask, schedule: TaskSchedule | undefined, atMs: number): SeededTask {
  if (schedule === undefined || atMs < schedule.risesFromMs) return task;
  if (atMs >= schedule.terminalAtMs) {
    return {
      ...task,
      status: "finished",
      successRate: schedule.successRate,
      finishMs: schedule.terminalAtMs,
    };
  }
  const rate = Math.min(99, rampAt(schedule, schedule.fromRate, schedule.successRate, atMs));
  return { ...task, status: "inprogress", successRate: rate };
}
