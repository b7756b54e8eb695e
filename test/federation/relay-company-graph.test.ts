import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse, type DocumentNode } from "graphql";
import { PrefetchTasksPageDocument } from "../__generated__/graphql";
import { daysBefore, postGraphQL, startTestServer, type TestServer } from "../support/harness";
import { committedPrefetchSdl, composeSupergraph, startGateway, type Gateway } from "./supergraph";

const WWW = "www.example.com";

/**
 * A company graph as Relay-style graphs are: it owns Query.node through a `Node @interfaceObject`, and defines
 * for itself the common value types this subgraph defines too (PageInfo, HttpHeader, DateTime, Node), a CdnSite
 * entity, and a field that refers to a PrefetchTask by id (as a Node: an @interfaceObject subgraph may not
 * define the interface's implementations; the federation test's other company subgraph refers to PrefetchTask
 * by key).
 */
const COMPANY_TYPE_DEFS = parse(/* GraphQL */ `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@interfaceObject"])

  scalar DateTime

  type Node @interfaceObject @key(fields: "id") {
    id: ID!
  }

  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type HttpHeader @shareable {
    name: String!
    value: String!
  }

  type CdnSite @key(fields: "domain") {
    domain: String! @shareable
    owner: String!
  }

  type Deployment {
    id: ID!
    deployedAt: DateTime!
    requestHeaders: [HttpHeader!]!
    "The prefetch task that warmed the release, by id: a Node, as an @interfaceObject subgraph refers to it."
    warmup: Node
  }

  type Query {
    node(id: ID!): Node
    nodes(ids: [ID!]!): [Node]!
    deployment(id: ID!): Deployment
  }
`);

async function startCompanySubgraph(
  warmupTaskId: () => string,
): Promise<{ url: string; close(): Promise<void> }> {
  const schema = buildSubgraphSchema({
    typeDefs: COMPANY_TYPE_DEFS,
    resolvers: {
      Query: {
        // An @interfaceObject resolver knows only ids; the router asks the subgraph that owns the id for the rest.
        node: (_: unknown, args: { id: string }) => ({ id: args.id }),
        nodes: (_: unknown, args: { ids: readonly string[] }) => args.ids.map((id) => ({ id })),
        deployment: (_: unknown, args: { id: string }) => ({
          id: args.id,
          deployedAt: "2026-01-01T00:00:00Z",
          requestHeaders: [{ name: "x-release", value: args.id }],
          warmup: { id: warmupTaskId() },
        }),
      },
      CdnSite: { __resolveReference: (ref: { domain: string }) => ({ domain: ref.domain, owner: "web" }) },
    },
  });
  const server = new ApolloServer({ schema, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
  return { url, close: () => server.stop() };
}

/** The SDL a router reads from a running subgraph (`_service { sdl }`), as it is configured. */
async function servedSdl(server: TestServer): Promise<DocumentNode> {
  const res = await postGraphQL<{ _service: { sdl: string } }>(server.url, { query: "{ _service { sdl } }" });
  return parse(res.data!._service.sdl);
}

describe("a Relay company graph that owns Query.node and the common value types", () => {
  let server: TestServer;
  let company: { url: string; close(): Promise<void> };
  let gateway: Gateway | undefined;
  let taskIds: string[];

  beforeAll(async () => {
    server = await startTestServer({ env: { PREFETCH_GRAPH_NODE_FIELDS: "off" } });
    const anchor = server.sandbox.baiduGeo.anchor;
    const res = await server.gql(PrefetchTasksPageDocument, {
      provider: "BAIDU_GEO",
      site: WWW,
      startTime: daysBefore(anchor, 10).toISOString(),
      endTime: anchor.toISOString(),
      first: 3,
    });
    taskIds = res.data!.prefetchTasks!.edges.map((e) => e.node.id);
    expect(taskIds).toHaveLength(3);
    company = await startCompanySubgraph(() => taskIds[0]!);
  });

  afterAll(async () => {
    await gateway?.stop();
    await company?.close();
    await server?.close();
  });

  it("does not compose with the default SDL, whose Query.node is this subgraph's own", () => {
    const composition = composeSupergraph([
      { name: "prefetch", url: server.url, typeDefs: committedPrefetchSdl() },
      { name: "company", url: company.url, typeDefs: COMPANY_TYPE_DEFS },
    ]);
    expect(composition.errors).toEqual([
      expect.stringContaining('Non-shareable field "Query.node" is resolved from multiple subgraphs'),
      expect.stringContaining('Non-shareable field "Query.nodes" is resolved from multiple subgraphs'),
    ]);
  });

  it("composes with 0 errors once PREFETCH_GRAPH_NODE_FIELDS=off, and resolves ids through the company's node", async () => {
    const composition = composeSupergraph([
      { name: "prefetch", url: server.url, typeDefs: await servedSdl(server) },
      { name: "company", url: company.url, typeDefs: COMPANY_TYPE_DEFS },
    ]);
    expect(composition.errors).toEqual([]);
    gateway = await startGateway(composition.supergraphSdl!);

    const res = await gateway.execute<{
      node: { id: string; taskId?: string; provider?: string } | null;
      nodes: ({ id: string; taskId?: string } | null)[];
      deployment: { requestHeaders: { name: string }[]; warmup: { id: string; site?: string | null } | null };
    }>(
      `query ($id: ID!, $ids: [ID!]!) {
        node(id: $id) { id ... on PrefetchTask { taskId provider } }
        nodes(ids: $ids) { id ... on PrefetchTask { taskId } }
        deployment(id: "r1") { requestHeaders { name } warmup { id ... on PrefetchTask { site } } }
      }`,
      { id: taskIds[1], ids: [taskIds[2], taskIds[0]] },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.node).toEqual({ id: taskIds[1], taskId: expect.any(String), provider: "BAIDU_GEO" });
    expect(res.data!.nodes.map((n) => n?.id)).toEqual([taskIds[2], taskIds[0]]);
    expect(res.data!.nodes.every((n) => typeof n?.taskId === "string")).toBe(true);
    expect(res.data!.deployment).toEqual({
      requestHeaders: [{ name: "x-release" }],
      warmup: { id: taskIds[0], site: WWW },
    });
  });
});
