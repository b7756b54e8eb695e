import type { TaskRef } from "../../../src/domain/prefetch-task";
import {
  isCreatedAtHint,
  isTaskId,
  taskRefProblem,
  TASK_ID_MAX_LENGTH,
} from "../../../src/domain/task-ref-rules";
import { PrefetchTaskArgs } from "../../../src/graphql/prefetch-tasks.args";
import { taskRefRules } from "../../../src/graphql/validators";
import { validateSync } from "class-validator";

describe("the rules of a task's identity", () => {
  const now = new Date("2026-01-15T00:00:00Z");
  const rules = taskRefRules(now);
  const baidu: TaskRef = {
    provider: "BAIDU_GEO",
    account: "default",
    site: "www.example.com",
    taskId: "abc",
    createdAt: new Date("2025-11-10T02:50:39Z"),
  };

  it("accept a ref a client could have typed", () => {
    expect(taskRefProblem(baidu, rules)).toBeNull();
    expect(taskRefProblem({ ...baidu, createdAt: null }, rules)).toBeNull();
    const wangsu: TaskRef = { provider: "WANGSU_CDN_PRO", account: "eu", site: null, taskId: "5dca22" };
    expect(taskRefProblem(wangsu, rules)).toBeNull();
  });

  it.each<[string, Partial<TaskRef>, RegExp]>([
    ["a task id too long", { taskId: "x".repeat(TASK_ID_MAX_LENGTH + 1) }, /taskId/],
    ["a blank task id", { taskId: "" }, /taskId/],
    ["a site with a scheme", { site: "https://www.example.com" }, /site must be a hostname/],
    ["no site for Baidu GEO", { site: null }, /site is required/],
    ["a site on a Wangsu ref", { provider: "WANGSU_CDN_PRO" }, /carry no site/],
    ["an account name with a space", { account: "my account" }, /account/],
    ["a createdAt in the year 33658", { createdAt: new Date(1e15) }, /createdAt/],
    ["an invalid createdAt", { createdAt: new Date(NaN) }, /createdAt/],
  ])("name the problem of %s", (_what, change, problem) => {
    expect(taskRefProblem({ ...baidu, ...change }, rules)).toMatch(problem);
  });

  it("bound createdAt to 2000-01-01 .. a day after now, both inclusive", () => {
    expect(isCreatedAtHint(new Date("2000-01-01T00:00:00Z"), now)).toBe(true);
    expect(isCreatedAtHint(new Date("1999-12-31T23:59:59Z"), now)).toBe(false);
    expect(isCreatedAtHint(new Date(now.getTime() + 86_400_000), now)).toBe(true);
    expect(isCreatedAtHint(new Date(now.getTime() + 86_400_001), now)).toBe(false);
  });

  it("are the typed arguments' own: prefetchTask's taskId and site validators agree with them", () => {
    const typed = (taskId: string, site: string | null): boolean => {
      const args = Object.assign(new PrefetchTaskArgs(), { provider: "BAIDU_GEO", taskId, site });
      return validateSync(args).length === 0;
    };
    const samples: [string, string | null][] = [
      ["abc", "www.example.com"],
      ["x".repeat(TASK_ID_MAX_LENGTH), "a.b"],
      ["x".repeat(TASK_ID_MAX_LENGTH + 1), "www.example.com"],
      ["a b", "www.example.com"],
      ["abc", "-bad-.example.com"],
      ["abc", "www.example.com/path"],
      ["abc", null],
    ];
    for (const [taskId, site] of samples) {
      expect([taskId.slice(0, 8), site, typed(taskId, site)]).toEqual([
        taskId.slice(0, 8),
        site,
        isTaskId(taskId) && taskRefProblem({ ...baidu, taskId, site, createdAt: null }, rules) === null,
      ]);
    }
  });
});
