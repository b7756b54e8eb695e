import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { composeServices } from "@apollo/composition";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { parse, type DocumentNode } from "graphql";

/** The SDL the company graph composes: the committed file, not what the code would build now. */
export function committedPrefetchSdl(): DocumentNode {
  return parse(readFileSync(resolve(__dirname, "../../schema/prefetch-graph.graphql"), "utf8"));
}

export interface SubgraphSpec {
  readonly name: string;
  readonly url: string;
  readonly typeDefs: DocumentNode;
}

export interface Composition {
  /** Null where composition failed. */
  readonly supergraphSdl: string | null;
  readonly errors: readonly string[];
  /** Hints as printed (code and message), so that a failing expectation says what composition said. */
  readonly hints: readonly string[];
}

export function composeSupergraph(subgraphs: readonly SubgraphSpec[]): Composition {
  const result = composeServices([...subgraphs]);
  const hints = (result.hints ?? []).map((h) => `${h.definition.code}: ${h.message}`);
  if (result.errors) {
    return { supergraphSdl: null, errors: result.errors.map((e) => e.message), hints };
  }
  return { supergraphSdl: result.supergraphSdl, errors: [], hints };
}

export interface GatewayResult<TData> {
  readonly data?: TData | null;
  readonly errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: unknown }[];
}

export interface Gateway {
  execute<TData>(query: string, variables?: Record<string, unknown>): Promise<GatewayResult<TData>>;
  /** Stops the server, which stops the gateway (and its subgraph data sources) with it. */
  stop(): Promise<void>;
}

/**
 * An in-process gateway over a static supergraph: no polling, no Apollo uplink, so nothing leaves the loopback
 * interface but the subgraph fetches to the URLs the supergraph names.
 */
export async function startGateway(supergraphSdl: string): Promise<Gateway> {
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
  await server.start();
  return {
    async execute<TData>(query: string, variables?: Record<string, unknown>) {
      const response = await server.executeOperation({ query, ...(variables ? { variables } : {}) });
      if (response.body.kind !== "single") throw new Error("expected a single (non-incremental) result");
      return response.body.singleResult as GatewayResult<TData>;
    },
    stop: () => server.stop(),
  };
}
