import { planTaskSchedules, taskAt } from "../../../../src/sandbox/wangsu-cdn-pro/live-tasks";
import { seedWangsuTasks, type SeededTask } from "../../../../src/sandbox/wangsu-cdn-pro/seed-data";

const ANCHOR = new Date("2024-05-01T12:00:00Z");
const ANCHOR_MS = ANCHOR.getTime();
const SECOND = 1000;
const MINUTE = 60 * SECOND;

const tasks = seedWangsuTasks({ anchor: ANCHOR, seed: 1 });
const schedules = planTaskSchedules(tasks, 1, ANCHOR_MS);
const unfinished = tasks.filter((t) => t.status !== "finished");
const at = (task: SeededTask, ms: number) => taskAt(task, schedules.get(task.id), ms);
/** Every 5 seconds from the anchor to a minute past the settle time. */
const instants = Array.from(
  { length: (14 * MINUTE) / (5 * SECOND) + 1 },
  (_, i) => ANCHOR_MS + i * 5 * SECOND,
);

/** A task without what moves: status, success rate and finish time. */
function submitted(task: SeededTask): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(task).filter(([key]) => !["status", "successRate", "finishMs"].includes(key)),
  );
}

describe("the Wangsu CDN Pro tasks' schedules", () => {
  it("schedule exactly the tasks waiting or in progress at the anchor", () => {
    expect(unfinished.length).toBeGreaterThan(0);
    expect([...schedules.keys()].sort()).toEqual(unfinished.map((t) => t.id).sort());
  });

  it("are the same for the same seed and anchor", () => {
    expect(planTaskSchedules(seedWangsuTasks({ anchor: ANCHOR, seed: 1 }), 1, ANCHOR_MS)).toEqual(schedules);
  });

  it("leave every task as seeded until three minutes after the anchor", () => {
    for (const task of tasks) {
      expect(at(task, ANCHOR_MS)).toBe(task);
      expect(at(task, ANCHOR_MS + 3 * MINUTE - 1)).toBe(task);
    }
  });

  it("start a scheduled task at its startTime, and finish every task by 13 minutes", () => {
    const scheduled = unfinished.filter((t) => t.status === "waiting" && t.startMs !== undefined);
    expect(scheduled.length).toBeGreaterThan(0);
    for (const task of scheduled) expect(schedules.get(task.id)!.startsAtMs).toBe(task.startMs);
    for (const task of unfinished) expect(at(task, ANCHOR_MS + 13 * MINUTE).status).toBe("finished");
  });

  it("move waiting → inprogress → finished, never back, with a success rate that never falls", () => {
    const rank = { waiting: 0, inprogress: 1, finished: 2 } as const;
    for (const task of unfinished) {
      const states = instants.map((ms) => at(task, ms));
      for (let i = 1; i < states.length; i += 1) {
        expect(rank[states[i]!.status]).toBeGreaterThanOrEqual(rank[states[i - 1]!.status]);
        const [before, now] = [states[i - 1]!.successRate, states[i]!.successRate];
        if (before !== undefined) expect(now).toBeGreaterThanOrEqual(before);
      }
      if (task.status === "waiting") expect(states.map((s) => s.status)).toContain("inprogress");
      const running = states.filter((s) => s.status === "inprogress");
      expect(running.every((s) => s.finishMs === undefined && (s.successRate ?? 0) <= 99)).toBe(true);
    }
  });

  it("never change a task once finished, whose finishTime is the terminal instant", () => {
    for (const task of unfinished) {
      const schedule = schedules.get(task.id)!;
      const finished = at(task, schedule.terminalAtMs);
      expect(finished).toMatchObject({
        status: "finished",
        finishMs: schedule.terminalAtMs,
        successRate: schedule.successRate,
      });
      for (const later of [1, 3_600_000, 30 * 86_400_000]) {
        expect(at(task, schedule.terminalAtMs + later)).toEqual(finished);
      }
      expect(at(task, schedule.terminalAtMs - 1).status).toBe("inprogress");
    }
  });

  it("keep everything else of a task as submitted", () => {
    for (const task of unfinished) {
      for (const ms of instants) {
        expect(submitted(at(task, ms))).toEqual(submitted(task));
      }
    }
  });

  it("end tasks completed, partially completed and failed across seeds", () => {
    const rates = [1, 2, 3, 4, 5, 6, 7, 8].flatMap((seed) =>
      [...planTaskSchedules(seedWangsuTasks({ anchor: ANCHOR, seed }), seed, ANCHOR_MS).values()].map(
        (s) => s.successRate,
      ),
    );
    expect(rates).toContain(100);
    expect(rates).toContain(0);
    expect(rates.some((rate) => rate > 0 && rate < 100)).toBe(true);
  });
});
