import { decodeGlobalId, encodeGlobalId } from "../../src/domain/global-id";
import { taskRefRules } from "../../src/graphql/validators";
import { ProviderKind } from "../../src/domain/provider-kind";
import type { PrefetchProvider } from "../../src/providers/provider";
import { PrefetchTasksPageDocument } from "../__generated__/graphql";
import { daysBefore, startTestServer, type TestServer } from "../support/harness";
import {
  SITES_TYPE_DEFS,
  startSitesSubgraph,
  type IncidentRecord,
  type SitesSubgraph,
} from "./sites-subgraph";
import {
  committedPrefetchSdl,
  composeSupergraph,
  startGateway,
  type Composition,
  type Gateway,
} from "./supergraph";

const WWW = "www.example.com";
const STATIC = "static.example.com";

interface ListedTask {
  id: string;
  taskId: string;
  provider: ProviderKind;
  site: string | null;
}

interface IncidentsData {
  incidents: {
    id: string;
    title: string;
    prefetchTask: {
      id: string;
      taskId: string;
      status: string;
      provider: string;
      site: string | null;
    } | null;
  }[];
}

interface SitesData {
  cdnSites: {
    domain: string;
    owner: string;
    prefetchTasks: {
      edges: { node: { taskId: string; site: string | null } }[];
      pageInfo: { hasNextPage: boolean };
    } | null;
  }[];
}

const INCIDENTS = /* GraphQL */ `
  query Incidents($ids: [ID!]) {
    incidents(ids: $ids) {
      id
      title
      prefetchTask {
        id
        taskId
        status
        provider
        site
      }
    }
  }
`;

const SITES_WITH_TASKS = /* GraphQL */ `
  query SitesWithTasks($provider: ProviderKind!, $startTime: DateTime!, $endTime: DateTime!) {
    cdnSites {
      domain
      owner
      prefetchTasks(provider: $provider, startTime: $startTime, endTime: $endTime, first: 5) {
        edges {
          node {
            taskId
            site
          }
        }
        pageInfo {
          hasNextPage
        }
      }
    }
  }
`;

describe("prefetch-graph in a supergraph with a sites subgraph, behind an in-process gateway", () => {
  let server: TestServer;
  let sites: SitesSubgraph;
  let composition: Composition;
  let gateway: Gateway;
  let window: { start: Date; end: Date };
  /**
   * Real tasks as prefetch-graph lists them (ids verbatim), fetched before the sites subgraph starts. Unfinished
   * ones, so that every lookup of them reaches the provider: a final task, once listed, is answered from memory.
   */
  const tasks = { baidu: [] as ListedTask[], wangsu: [] as ListedTask[] };
  const incidents: IncidentRecord[] = [];

  async function listTasks(
    provider: ProviderKind,
    site: string | null,
    first: number,
  ): Promise<ListedTask[]> {
    const res = await server.gql(PrefetchTasksPageDocument, {
      provider,
      site,
      startTime: window.start.toISOString(),
      endTime: window.end.toISOString(),
      status: ["WAITING", "IN_PROGRESS"],
      first,
    });
    if (res.errors) throw new Error(`listing ${provider} failed: ${JSON.stringify(res.errors)}`);
    return res.data!.prefetchTasks!.edges.map(({ node }) => ({
      id: node.id,
      taskId: node.taskId,
      provider,
      site: node.site ?? null,
    }));
  }

  beforeAll(async () => {
    server = await startTestServer();
    const anchor = server.sandbox.baiduGeo.anchor;
    window = { start: daysBefore(anchor, 10), end: anchor };

    // Three Baidu tasks of one account across two sites, two Wangsu tasks of another account.
    tasks.baidu = [
      ...(await listTasks(ProviderKind.BAIDU_GEO, WWW, 2)),
      ...(await listTasks(ProviderKind.BAIDU_GEO, STATIC, 1)),
    ];
    tasks.wangsu = await listTasks(ProviderKind.WANGSU_CDN_PRO, null, 2);
    expect([tasks.baidu.length, tasks.wangsu.length]).toEqual([3, 2]);
    const [b0, b1, b2] = tasks.baidu.map((t) => t.id);
    const [w0, w1] = tasks.wangsu.map((t) => t.id);
    const unknown = encodeGlobalId({
      ...decodeGlobalId(b0!, taskRefRules(new Date()))!,
      taskId: "no-such-task",
    });
    const incident = (id: string, title: string, prefetchTaskId: string | undefined): IncidentRecord => ({
      id,
      title,
      prefetchTaskId: prefetchTaskId ?? null,
    });
    incidents.push(
      incident("inc-1", "Homepage warm-up slow", b0),
      incident("inc-2", "Banner images cold after deploy", b1),
      incident("inc-3", "Static bundle not warmed", b2),
      incident("inc-4", "Homepage warm-up slow again", b0), // the same task as inc-1
      incident("inc-5", "Video manifest warm-up failed", w0),
      incident("inc-6", "Video segments partially warmed", w1),
      incident("inc-malformed", "Pasted a broken id", "not-a-global-id!"),
      incident("inc-unknown", "Task purged upstream", unknown), // well-formed, but the provider has no such task
    );

    sites = await startSitesSubgraph({
      sites: [
        { domain: WWW, owner: "web-platform" },
        { domain: STATIC, owner: "frontend-infra" },
      ],
      incidents,
    });
    composition = composeSupergraph([
      { name: "prefetch", url: server.url, typeDefs: committedPrefetchSdl() },
      { name: "sites", url: sites.url, typeDefs: SITES_TYPE_DEFS },
    ]);
    if (!composition.supergraphSdl) throw new Error(`composition failed:\n${composition.errors.join("\n")}`);
    gateway = await startGateway(composition.supergraphSdl);
  });

  afterAll(async () => {
    await gateway?.stop();
    await sites?.close();
    await server?.close();
  });

  afterEach(() => jest.restoreAllMocks());

  it("composes the committed subgraph SDL with another subgraph without errors or hints", () => {
    expect(composition.errors).toEqual([]);
    expect(composition.hints).toEqual([]);
  });

  it("hands a router the demand-control directives (Federation 2.9 @cost and @listSize) in the supergraph", () => {
    const supergraph = composition.supergraphSdl ?? "";
    expect(supergraph).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/cost\/v0\.1"/);
    const field = (name: string): string =>
      supergraph.split("\n").find((line) => line.trimStart().startsWith(`${name}:`)) ?? "";
    expect(field("targets")).toContain("@cost(weight: 10)");
    expect(supergraph).toMatch(
      /\)\s*: PrefetchConnection[^\n]*@listSize\(slicingArguments: \["first"\], sizedFields: \["edges", "nodes"\]/,
    );
    // Described arguments put the field over several lines: match from its name to the end of its signature.
    expect(supergraph).toMatch(
      /\n\s*nodes\((?:[^()]|\([^()]*\))*\): \[Node\]![^\n]*@listSize\(assumedSize: 100\)/,
    );
  });

  it("shares Relay's PageInfo with a company subgraph that defines its own: both pages through one gateway", async () => {
    const res = await gateway.execute<{
      cdnSitePage: { nodes: { domain: string }[]; pageInfo: Record<string, unknown> };
      cdnSite: { prefetchTasks: { pageInfo: Record<string, unknown> } | null } | null;
    }>(
      `query ($s: DateTime!, $e: DateTime!) {
        cdnSitePage(first: 1) { nodes { domain } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
        cdnSite(domain: "${WWW}") {
          prefetchTasks(provider: BAIDU_GEO, startTime: $s, endTime: $e, first: 1) {
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          }
        }
      }`,
      { s: window.start.toISOString(), e: window.end.toISOString() },
    );
    expect(res.errors).toBeUndefined();
    // The sites subgraph's PageInfo, as it resolved it.
    expect(res.data!.cdnSitePage).toEqual({
      nodes: [{ domain: WWW }],
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: WWW, endCursor: WWW },
    });
    // prefetch-graph's, through the entity the sites subgraph owns.
    expect(res.data!.cdnSite!.prefetchTasks!.pageInfo).toEqual({
      hasNextPage: server.sandbox.baiduGeo.recordIds(WWW, window).length > 1,
      hasPreviousPage: false,
      startCursor: expect.any(String),
      endCursor: expect.any(String),
    });
  });

  it("resolves the tasks another subgraph references, duplicates included", async () => {
    const ids = ["inc-1", "inc-2", "inc-3", "inc-4", "inc-5", "inc-6"];
    const res = await gateway.execute<IncidentsData>(INCIDENTS, { ids });

    expect(res.errors).toBeUndefined();
    const expected = [...[0, 1, 2, 0].map((i) => tasks.baidu[i]!), ...tasks.wangsu];
    expect(res.data!.incidents.map((i) => i.prefetchTask)).toEqual(
      expected.map((task) => ({ ...task, status: expect.any(String) })),
    );
    expect(res.data!.incidents.map((i) => i.title)).toEqual(
      ids.map((id) => incidents.find((i) => i.id === id)!.title),
    );
  });

  it("looks referenced tasks up in one batch per provider account, once per distinct task", async () => {
    const baidu = server.app.registry.find("BAIDU_GEO", "sandbox")!;
    const wangsu = server.app.registry.find("WANGSU_CDN_PRO", "sandbox")!;
    const baiduSpy = jest.spyOn(baidu, "getTasks");
    const wangsuSpy = jest.spyOn(wangsu, "getTasks");
    server.sandbox.baiduGeo.resetCalls();
    server.sandbox.wangsuCdnPro.resetCalls();

    const res = await gateway.execute<IncidentsData>(INCIDENTS, {
      ids: ["inc-1", "inc-2", "inc-3", "inc-4", "inc-5", "inc-6"],
    });

    expect(res.errors).toBeUndefined();
    const refsOf = (spy: jest.SpiedFunction<PrefetchProvider["getTasks"]>): string[] =>
      spy.mock.calls.flatMap(([refs]) => refs.map(encodeGlobalId)).sort();
    expect(baiduSpy).toHaveBeenCalledTimes(1);
    expect(refsOf(baiduSpy)).toEqual(tasks.baidu.map((t) => t.id).sort());
    expect(server.sandbox.baiduGeo.calls("byId")).toBe(tasks.baidu.length);
    expect(wangsuSpy).toHaveBeenCalledTimes(1);
    expect(refsOf(wangsuSpy)).toEqual(tasks.wangsu.map((t) => t.id).sort());
    expect(server.sandbox.wangsuCdnPro.calls("detail")).toBe(tasks.wangsu.length);
  });

  it("lists each site's Baidu GEO tasks on the CdnSite entity the sites subgraph owns", async () => {
    const res = await gateway.execute<SitesData>(SITES_WITH_TASKS, {
      provider: "BAIDU_GEO",
      startTime: window.start.toISOString(),
      endTime: window.end.toISOString(),
    });

    expect(res.errors).toBeUndefined();
    expect(res.data!.cdnSites).toEqual(
      [
        { domain: WWW, owner: "web-platform" },
        { domain: STATIC, owner: "frontend-infra" },
      ].map((site) => {
        const all = server.sandbox.baiduGeo.recordIds(site.domain, window);
        return {
          ...site,
          prefetchTasks: {
            edges: all.slice(0, 5).map((taskId) => ({ node: { taskId, site: site.domain } })),
            pageInfo: { hasNextPage: all.length > 5 },
          },
        };
      }),
    );
  });

  it("lists a hostname's Wangsu CDN Pro tasks on the CdnSite entity the sites subgraph owns", async () => {
    const res = await gateway.execute<SitesData>(SITES_WITH_TASKS, {
      provider: "WANGSU_CDN_PRO",
      startTime: window.start.toISOString(),
      endTime: window.end.toISOString(),
    });

    expect(res.errors).toBeUndefined();
    for (const site of res.data!.cdnSites) {
      const all = server.sandbox.wangsuCdnPro.taskIds(window, site.domain);
      expect(all.length).toBeGreaterThan(0);
      expect(site.prefetchTasks!.edges.map((e) => e.node.taskId)).toEqual(all.slice(0, 5));
      expect(site.prefetchTasks!.pageInfo.hasNextPage).toBe(all.length > 5);
    }
  });

  it("resolves a malformed or unknown task id to null without failing the operation", async () => {
    const res = await gateway.execute<IncidentsData>(INCIDENTS, {
      ids: ["inc-malformed", "inc-unknown", "inc-1"],
    });

    expect(res.errors).toBeUndefined();
    expect(res.data!.incidents.map((i) => [i.id, i.prefetchTask?.taskId ?? null])).toEqual([
      ["inc-malformed", null],
      ["inc-unknown", null],
      ["inc-1", tasks.baidu[0]!.taskId],
    ]);
  });
});
