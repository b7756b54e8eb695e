import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { makeExecutableSchema } from "@graphql-tools/schema";
import type { BareReady } from "./protocol";

/**
 * The floor: bare Apollo Server 5 as a typical user would write it, with Apollo's defaults but one, serving from memory
 * the page of 100 tasks the service answered, under the same SDL (the committed subgraph schema plus the
 * definitions of the federation directives it uses). Plain resolvers, no type-graphql: the connection is
 * returned as it is, the union's type is read from `__typename`, and graphql's default resolver does the rest.
 *
 * argv: the page (JSON of `data.prefetchTasks`), then the SDL files. Forked by the bench with an IPC channel,
 * on which it sends its address once listening.
 *
 * The one default changed is the one the service changes too: the cache-control plugin, which wraps every field
 * resolution and which neither server needs (no cache hints). Left on, it would add its per-field cost to the
 * floor only, and flatter the service's ratios. BENCH_FLOOR_APOLLO_DEFAULTS=1 (the environment the bench passes
 * on) keeps it, for the figure against Apollo exactly as installed.
 */
async function main(): Promise<void> {
  const [pageFile, ...sdlFiles] = process.argv.slice(2);
  if (pageFile === undefined || sdlFiles.length === 0)
    throw new Error("usage: bare-apollo <page.json> <sdl>...");
  const page: unknown = JSON.parse(readFileSync(pageFile, "utf8"));
  const schema = makeExecutableSchema({
    typeDefs: sdlFiles.map((file) => readFileSync(file, "utf8")),
    resolvers: {
      Query: { prefetchTasks: () => page },
      ProviderPrefetch: { __resolveType: (value: { __typename: string }) => value.__typename },
    },
  });
  const allDefaults = process.env.BENCH_FLOOR_APOLLO_DEFAULTS === "1";
  const server = new ApolloServer({
    schema,
    plugins: allDefaults ? [] : [ApolloServerPluginCacheControlDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
  const ready: BareReady = { bare: "ready", url };
  process.send!(ready);
}

main().catch((err: unknown) => {
  process.stderr.write(`bare Apollo failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
