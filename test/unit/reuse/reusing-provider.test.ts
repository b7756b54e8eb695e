import type { PrefetchTask, TaskRef } from "../../../src/domain/prefetch-task";
import { PrefetchStatus } from "../../../src/domain/prefetch-status";
import type { PrefetchProvider } from "../../../src/providers/provider";
import { ReusingProvider } from "../../../src/reuse/reusing-provider";
import { testTask } from "../../support/tasks";

/** A Baidu-like account that knows any task id and answers each lookup after the test lets it. */
function slowProvider(): { provider: PrefetchProvider; asked: TaskRef[]; answerAll: () => void } {
  const asked: TaskRef[] = [];
  const pending: (() => void)[] = [];
  const provider = {
    kind: "BAIDU_GEO",
    account: { provider: "BAIDU_GEO", name: "main", sandbox: false },
    capabilities: {},
    lastOutcome: () => null,
    listPage: () => Promise.reject(new Error("not in this test")),
    getTasks: (refs: readonly TaskRef[]) =>
      new Promise<PrefetchTask[]>((resolve) => {
        asked.push(...refs);
        pending.push(() => resolve(refs.map(unfinished)));
      }),
  } as unknown as PrefetchProvider;
  return { provider, asked, answerAll: () => pending.splice(0).forEach((answer) => answer()) };
}

function unfinished(ref: TaskRef): PrefetchTask {
  return testTask(ref, {
    status: PrefetchStatus.IN_PROGRESS,
    providerStatus: "in-progress",
    progress: 50,
    observedAt: new Date(),
  });
}

describe("ReusingProvider's lookups in flight", () => {
  it("never share a call between a hinted lookup of X and an unhinted one of a task id that extends X", async () => {
    const { provider, asked, answerAll } = slowProvider();
    const reusing = new ReusingProvider(provider, { freshnessMs: 5_000, finalTaskBytes: 1024 * 1024 });
    const base = { provider: "BAIDU_GEO", account: "main", site: "www.example.com" } as const;
    const hinted: TaskRef = { ...base, taskId: "X", createdAt: new Date("2026-11-01T00:00:00Z") };
    const lookalike: TaskRef = { ...base, taskId: "X#hinted", createdAt: null };
    const first = reusing.getTasks([hinted]);
    const second = reusing.getTasks([lookalike]);
    await Promise.resolve();
    answerAll();
    const [[a], [b]] = await Promise.all([first, second]);
    expect(asked.map((r) => r.taskId).sort()).toEqual(["X", "X#hinted"]);
    expect((a as PrefetchTask).ref.taskId).toBe("X");
    expect((b as PrefetchTask).ref.taskId).toBe("X#hinted");
  });
});
