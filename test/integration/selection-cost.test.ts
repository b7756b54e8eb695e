import { PrefetchTasksLazyDocument, PrefetchTasksSkipTargetsDocument } from "../__generated__/graphql";
import { daysBefore, startTestServer, type TestServer } from "../support/harness";

/** Frontends ask only for what they need, and pay upstream only for what they asked. */
describe("upstream calls follow the selection", () => {
  let server: TestServer;
  const window = (anchor: Date): { startTime: string; endTime: string } => ({
    startTime: daysBefore(anchor, 10).toISOString(),
    endTime: anchor.toISOString(),
  });

  // A server per test, its sandbox counting from 0: a finished task an earlier test completed would be answered
  // from memory (src/reuse), and each test counts the calls its own selection causes.
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  it("costs one list call and no lookup for `id status` on a Wangsu list", async () => {
    const res = await server.gql(PrefetchTasksLazyDocument, {
      provider: "WANGSU_CDN_PRO",
      ...window(server.sandbox.wangsuCdnPro.anchor),
      first: 6,
      withTargets: false,
      withDetails: false,
    });
    expect(res.errors).toBeUndefined();
    expect(server.sandbox.wangsuCdnPro.calls("list")).toBe(1);
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(0);
  });

  it("costs one list call and no lookup for `id status` on a Baidu list, and still none with targets", async () => {
    for (const withTargets of [false, true]) {
      server.sandbox.baiduGeo.resetCalls();
      const res = await server.gql(PrefetchTasksLazyDocument, {
        provider: "BAIDU_GEO",
        site: "www.example.com",
        ...window(server.sandbox.baiduGeo.anchor),
        first: 6,
        withTargets,
        withDetails: false,
      });
      expect(res.errors).toBeUndefined();
      expect(server.sandbox.baiduGeo.calls("list")).toBe(1);
      expect(server.sandbox.baiduGeo.calls("byId")).toBe(0);
    }
  });

  it("adds one Wangsu detail call per returned row when @include turns on a field the rows lack", async () => {
    const res = await server.gql(PrefetchTasksLazyDocument, {
      provider: "WANGSU_CDN_PRO",
      ...window(server.sandbox.wangsuCdnPro.anchor),
      first: 6,
      withTargets: true,
      withDetails: false,
    });
    expect(res.errors).toBeUndefined();
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(6);
  });

  it("skips the detail calls when @skip leaves out the field the rows lack; durations cost none", async () => {
    const vars = {
      provider: "WANGSU_CDN_PRO" as const,
      ...window(server.sandbox.wangsuCdnPro.anchor),
      first: 5,
    };
    const skipped = await server.gql(PrefetchTasksSkipTargetsDocument, { ...vars, skipTargets: true });
    expect(skipped.errors).toBeUndefined();
    expect(skipped.data!.prefetchTasks!.nodes[0]).not.toHaveProperty("targets");
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(0);

    const included = await server.gql(PrefetchTasksSkipTargetsDocument, { ...vars, skipTargets: false });
    expect(included.errors).toBeUndefined();
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(5);
  });
});

describe("providerDetails on a Wangsu list", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("is completed through one detail call per row when selected without targets", async () => {
    const anchor = server.sandbox.wangsuCdnPro.anchor;
    server.sandbox.wangsuCdnPro.resetCalls();
    const res = await server.gql(PrefetchTasksLazyDocument, {
      provider: "WANGSU_CDN_PRO",
      startTime: daysBefore(anchor, 10).toISOString(),
      endTime: anchor.toISOString(),
      first: 4,
      withTargets: false,
      withDetails: true,
    });
    expect(res.errors).toBeUndefined();
    const nodes = res.data!.prefetchTasks!.nodes;
    expect(nodes).toHaveLength(4);
    for (const n of nodes) {
      expect(n.providerDetails).toMatchObject({
        __typename: "WangsuCdnProPrefetch",
        regions: expect.any(Array),
      });
    }
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(4);
  });
});
