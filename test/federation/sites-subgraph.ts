import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";

/**
 * A second subgraph for the federation tests only: it owns CdnSite (with an owner this subgraph alone knows),
 * references PrefetchTask by key, as a team's incident tracker would, and pages its sites with its own Relay
 * PageInfo marked @shareable, as nearly every company graph already does.
 */
export const SITES_TYPE_DEFS = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])

  # Shared types carry no descriptions here: prefetch-graph's win, and differing ones are composition hints.
  type CdnSite @key(fields: "domain") {
    domain: String! @shareable
    "The team that runs the site."
    owner: String!
  }

  "A warm-up incident that points at the prefetch task it is about."
  type WarmupIncident @key(fields: "id") {
    id: ID!
    title: String!
    prefetchTask: PrefetchTask
  }

  # Referenced only: prefetch-graph resolves it.
  type PrefetchTask @key(fields: "id", resolvable: false) {
    id: ID!
  }

  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  "Sites, a page at a time."
  type CdnSiteConnection {
    nodes: [CdnSite!]!
    pageInfo: PageInfo!
  }

  type Query {
    cdnSites: [CdnSite!]!
    "The first sites, in domain order."
    cdnSitePage(first: Int!): CdnSiteConnection!
    cdnSite(domain: String!): CdnSite
    "Only these incidents, in this order; all when omitted."
    incidents(ids: [ID!]): [WarmupIncident!]!
  }
`);

export interface SiteRecord {
  readonly domain: string;
  readonly owner: string;
}

export interface IncidentRecord {
  readonly id: string;
  readonly title: string;
  /** A PrefetchTask global id, as prefetch-graph issued it (or a broken one, for the error cases). */
  readonly prefetchTaskId: string | null;
}

export interface SitesData {
  readonly sites: readonly SiteRecord[];
  readonly incidents: readonly IncidentRecord[];
}

export interface SitesSubgraph {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `data` on an ephemeral loopback port. */
export async function startSitesSubgraph(data: SitesData): Promise<SitesSubgraph> {
  const schema = buildSubgraphSchema({
    typeDefs: SITES_TYPE_DEFS,
    resolvers: {
      Query: {
        cdnSites: () => data.sites,
        cdnSitePage: (_: unknown, args: { first: number }) => {
          const nodes = data.sites.slice(0, args.first);
          return {
            nodes,
            pageInfo: {
              hasNextPage: data.sites.length > nodes.length,
              hasPreviousPage: false,
              startCursor: nodes[0]?.domain ?? null,
              endCursor: nodes[nodes.length - 1]?.domain ?? null,
            },
          };
        },
        cdnSite: (_: unknown, args: { domain: string }) =>
          data.sites.find((s) => s.domain === args.domain) ?? null,
        incidents: (_: unknown, args: { ids?: readonly string[] | null }) =>
          args.ids ? args.ids.flatMap((id) => data.incidents.filter((i) => i.id === id)) : data.incidents,
      },
      CdnSite: {
        __resolveReference: (ref: { domain: string }) =>
          data.sites.find((s) => s.domain === ref.domain) ?? null,
      },
      WarmupIncident: {
        __resolveReference: (ref: { id: string }) => data.incidents.find((i) => i.id === ref.id) ?? null,
        // Only the key leaves this subgraph; the gateway asks prefetch-graph for the rest.
        prefetchTask: (incident: IncidentRecord) =>
          incident.prefetchTaskId === null
            ? null
            : { __typename: "PrefetchTask", id: incident.prefetchTaskId },
      },
    },
  });
  // No usage reporting here, so the gateway gets no use of inline traces (and the server logs none).
  const server = new ApolloServer({ schema, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
  return { url, close: () => server.stop() };
}
