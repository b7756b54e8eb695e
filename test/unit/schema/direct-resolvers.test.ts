import "reflect-metadata";
import {
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type GraphQLInterfaceType,
  type GraphQLUnionType,
} from "graphql";
import { encodeGlobalId } from "../../../src/domain/global-id";
import { NOTHING_MISSING, type PrefetchTask, type TaskRef } from "../../../src/domain/prefetch-task";
import { PrefetchStatus } from "../../../src/domain/prefetch-status";
import { buildAppSchema } from "../../../src/schema";

/**
 * What the hot path of a page rests on (issue 8): plain properties resolve through graphql's default resolver,
 * field resolvers answer synchronously when the row holds what they need, and the union's type is resolved
 * synchronously. Checked on the schema the server serves, by calling its resolvers as graphql-js does.
 */

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildAppSchema();
});

const ref: TaskRef = {
  provider: "BAIDU_GEO",
  account: "main",
  taskId: "t-1",
  site: "www.example.com",
  createdAt: new Date("2026-11-01T00:00:00Z"),
};
const task: PrefetchTask = {
  ref,
  id: encodeGlobalId(ref),
  site: "www.example.com",
  name: null,
  targets: [{ url: "https://www.example.com/a.js", headers: [] }],
  status: PrefetchStatus.COMPLETED,
  providerStatus: "completed",
  progress: 100,
  successRate: 100,
  createdAt: new Date("2026-11-01T00:00:00Z"),
  startedAt: new Date("2026-11-01T00:00:10Z"),
  finishedAt: new Date("2026-11-01T00:01:10Z"),
  failureReason: null,
  operator: null,
  details: {
    kind: "BAIDU_GEO",
    site: "www.example.com",
    id: "t-1",
    status: "completed",
    url: "https://www.example.com/a.js",
    progress: 100,
    reason: null,
    operator: null,
    createdAt: new Date("2026-11-01T00:00:00Z"),
    startedAt: new Date("2026-11-01T00:00:10Z"),
    finishedAt: new Date("2026-11-01T00:01:10Z"),
  },
  missing: NOTHING_MISSING,
  observedAt: new Date("2026-11-01T00:02:00Z"),
};
// A context whose loader no synchronous path may touch.
const ctx = {
  now: new Date("2026-11-02T00:00:00Z"),
  loaders: {
    get task(): never {
      throw new Error("the loader was used");
    },
  },
};

function field(type: string, name: string): GraphQLField<unknown, unknown> {
  const t = schema.getType(type) as GraphQLObjectType;
  const f = t.getFields()[name];
  if (!f) throw new Error(`${type}.${name} is not in the schema`);
  return f;
}

function resolve(name: string, args: Record<string, unknown> = {}): unknown {
  const f = field("PrefetchTask", name);
  return f.resolve!(task, args, ctx, { fieldName: name } as GraphQLResolveInfo);
}

describe("the served schema's resolvers", () => {
  it("leave plain properties to graphql's default resolver, on every object type of the page", () => {
    const plain: [string, string[]][] = [
      [
        "PrefetchTask",
        ["id", "site", "name", "status", "providerStatus", "progress", "successRate", "createdAt", "finishedAt"],
      ],
      ["PrefetchTaskEdge", ["cursor", "node"]],
      ["PrefetchConnection", ["edges", "nodes", "pageInfo"]],
      ["PageInfo", ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"]],
      ["PrefetchTarget", ["url", "headers"]],
      ["BaiduGeoPrefetch", ["id", "status", "url", "createdAt"]],
      ["WangsuCdnProPrefetch", ["fileList", "metadata"]],
    ];
    for (const [type, names] of plain) {
      for (const name of names) expect([`${type}.${name}`, field(type, name).resolve]).toEqual([`${type}.${name}`, undefined]);
    }
  });

  it("answer every field of a complete row synchronously, arguments included", () => {
    expect(resolve("provider")).toBe("BAIDU_GEO");
    expect(resolve("account")).toBe("main");
    expect(resolve("taskId")).toBe("t-1");
    expect(resolve("targets")).toBe(task.targets);
    expect(resolve("startedAt")).toBe(task.startedAt);
    expect(resolve("providerDetails")).toBe(task.details);
    expect(resolve("queueDuration", { unit: "SECONDS" })).toBe(10);
    expect(resolve("runDuration", { unit: "MINUTES" })).toBe(1);
    expect(resolve("totalDuration", { unit: "MILLISECONDS" })).toBe(70_000);
    // An explicit null unit means seconds, as the contract says.
    expect(resolve("runDuration", { unit: null })).toBe(60);
  });

  it("go through the loader, and so a promise, only for a field the row lacks", async () => {
    const row: PrefetchTask = { ...task, targets: null, missing: new Set(["targets"]) };
    const load = jest.fn(() => Promise.resolve(task));
    const rowCtx = { ...ctx, loaders: { task: { load } } };
    const answer = field("PrefetchTask", "targets").resolve!(row, {}, rowCtx, {} as GraphQLResolveInfo);
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).resolves.toBe(task.targets);
    expect(load).toHaveBeenCalledWith(row.ref);
    expect(field("PrefetchTask", "site").resolve).toBeUndefined();
  });

  it("resolve the union's member and the Node interface's type synchronously, by name", () => {
    const union = schema.getType("ProviderPrefetch") as GraphQLUnionType;
    const info = {} as GraphQLResolveInfo;
    expect(union.resolveType!(task.details, ctx, info, union)).toBe("BaiduGeoPrefetch");
    expect(union.resolveType!({ kind: "WANGSU_CDN_PRO" }, ctx, info, union)).toBe("WangsuCdnProPrefetch");
    const node = schema.getType("Node") as GraphQLInterfaceType;
    expect(node.resolveType!(task, ctx, info, node)).toBe("PrefetchTask");
  });

  it("keep type-graphql's resolver where it validates input (an @Args class)", async () => {
    // A field resolver with an @Args class: called directly, `first` would go unvalidated and the method would
    // reach for services this context lacks (a TypeError); through type-graphql, validation refuses it first.
    const resolve = field("CdnSite", "prefetchTasks").resolve!;
    // Promise.resolve().then: a synchronous throw (the direct call's TypeError) becomes a rejection too.
    const answer = Promise.resolve().then(() =>
      resolve(
        { domain: "www.example.com" },
        { provider: "BAIDU_GEO", first: 1_000_000 },
        ctx,
        {} as GraphQLResolveInfo,
      ),
    );
    await expect(answer).rejects.toThrow(/Argument Validation Error/);
  });
});
