import type { TaskRef } from "../../../src/domain/prefetch-task";
import type { ProviderRegistry } from "../../../src/providers/registry";
import { registryTaskFetch } from "../../../src/subscriptions/task-fetch";

const REF: TaskRef = { provider: "BAIDU_GEO", account: "main", site: "www.example.com", taskId: "t1" };

function registry(find: () => unknown): ProviderRegistry {
  return { find } as unknown as ProviderRegistry;
}

describe("a poll's look-up through the registry", () => {
  it("answers an account that is not configured with ACCOUNT_NOT_CONFIGURED", async () => {
    const fetch = registryTaskFetch(
      registry(() => null),
      { deadlineMs: 1_000 },
    );
    expect(await fetch(REF, "key:a", new AbortController().signal)).toMatchObject({
      code: "ACCOUNT_NOT_CONFIGURED",
    });
  });

  it("never rejects, even where finding the account throws: it answers the error", async () => {
    const fetch = registryTaskFetch(
      registry(() => {
        throw new Error("registry broken");
      }),
      { deadlineMs: 1_000 },
    );
    await expect(fetch(REF, "key:a", new AbortController().signal)).resolves.toEqual(
      new Error("registry broken"),
    );
  });
});
