import { OPEN_ACCESS } from "../../../src/access/access";
import type { PrefetchTask, TaskRef } from "../../../src/domain/prefetch-task";
import { OperationScope } from "../../../src/http/operation-scope";
import { createLoaders } from "../../../src/loaders";
import { BAIDU_GEO_CAPABILITIES } from "../../../src/providers/baidu-geo";
import type { PrefetchProvider } from "../../../src/providers/provider";
import { ProviderRegistry } from "../../../src/providers/registry";
import { testTask } from "../../support/tasks";

const CREATED = new Date("2025-11-10T02:50:39Z");

function testScope(): OperationScope {
  return new OperationScope({ maxCalls: 100, caller: "test", deadlineMs: null });
}

function ref(taskId: string, createdAt: Date | null = null): TaskRef {
  return { provider: "BAIDU_GEO", account: "main", site: "test.com", taskId, createdAt };
}

function task(r: TaskRef): PrefetchTask {
  return testTask(
    { ...r, createdAt: CREATED },
    { progress: 100, successRate: 100, createdAt: CREATED, observedAt: CREATED },
  );
}

function fakeProvider(): { provider: PrefetchProvider; asked: TaskRef[][] } {
  const asked: TaskRef[][] = [];
  const provider: PrefetchProvider = {
    kind: "BAIDU_GEO",
    account: { name: "main", provider: "BAIDU_GEO", endpoint: "http://127.0.0.1:1", sandbox: true },
    capabilities: BAIDU_GEO_CAPABILITIES,
    listPage: () => Promise.reject(new Error("not listed here")),
    getTasks: (refs) => {
      asked.push([...refs]);
      return Promise.resolve(refs.map(task));
    },
    lastOutcome: () => null,
  };
  return { provider, asked };
}

describe("the task loader", () => {
  it("treats a typed ref and a global id's ref of the same task as one key, keeping the createdAt hint", async () => {
    const { provider, asked } = fakeProvider();
    const loaders = createLoaders(new ProviderRegistry([provider]), testScope(), OPEN_ACCESS);
    const [typed, fromId] = await Promise.all([
      loaders.task.load(ref("u-1")),
      loaders.task.load(ref("u-1", CREATED)),
    ]);
    expect(typed).toBe(fromId);
    expect(asked).toEqual([[ref("u-1", CREATED)]]);
  });

  it("answers a ref with a hint from a listed row that carried another (or none)", async () => {
    const { provider, asked } = fakeProvider();
    const loaders = createLoaders(new ProviderRegistry([provider]), testScope(), OPEN_ACCESS);
    const row = task(ref("u-2"));
    await loaders.listing(provider, (onRows) => {
      onRows([row]);
      return Promise.resolve(null);
    });
    expect(await loaders.task.load(ref("u-2", new Date(0)))).toBe(row);
    expect(await loaders.task.load(ref("u-2"))).toBe(row);
    expect(asked).toEqual([]);
  });
});
