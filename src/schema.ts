import { buildSubgraphSchema, printSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper";
import { MapperKind, mapSchema, printSchemaWithDirectives } from "@graphql-tools/utils";
import {
  GraphQLObjectType,
  GraphQLSchema,
  isInterfaceType,
  isUnionType,
  parse,
  type GraphQLFieldResolver,
} from "graphql";
import { buildSchema, createResolversMap, type BuildSchemaOptions } from "type-graphql";
import type { Context } from "./context";
import { decodeGlobalId } from "./domain/global-id";
import type { PrefetchTask } from "./domain/prefetch-task";
import { BadUserInputError, ForbiddenError } from "./errors/app-error";
import { CdnSiteResolver } from "./graphql/cdn-site.resolver";
import { CdnSiteType } from "./graphql/cdn-site.type";
import { NodeResolver } from "./graphql/node.resolver";
import { PrefetchResolver } from "./graphql/prefetch.resolver";
import { PrefetchTaskResolver } from "./graphql/prefetch-task.resolver";
import { NO_TOPICS, PrefetchTaskUpdatesResolver } from "./graphql/prefetch-task-updates.resolver";
import { MAX_IDS } from "./graphql/prefetch-tasks.args";
import { ProviderAccountResolver } from "./graphql/provider-account.resolver";
import { SitePrefetchResolver } from "./graphql/site-prefetch.resolver";
import { PROVIDER_PREFETCH_TYPES } from "./graphql/provider-prefetch.union";
import { useDirectResolvers } from "./graphql/direct-resolvers";
import { DateTimeScalar } from "./graphql/scalars/date-time.scalar";
import { taskRefRules } from "./graphql/validators";
import { boundedText } from "./log-fields";

/** Federation 2 link: the directives this subgraph uses. */
const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@cost", "@listSize"])\n`;

/** The schema's own description, the first thing GraphiQL's Docs explorer shows. */
const SCHEMA_DESCRIPTION =
  "prefetch-graph: CDN prefetch (cache warm-up) tasks of Baidu AI Cloud GEO and Wangsu CDN Pro accounts, read-only, in one shape (PrefetchTask), with each provider's own record in providerDetails. ProviderKind says which provider fills which field. A federated subgraph: the company graph reaches tasks through PrefetchTask's key and CdnSite.prefetchTasks.";

/** type-graphql has no option for the root type's description. */
const QUERY_DESCRIPTION =
  "List a provider account's tasks in a time window, look tasks up by the provider's id or by global id, and list the configured accounts.";

/** Likewise the Subscription type's. */
const SUBSCRIPTION_DESCRIPTION =
  "Watch tasks live, over WebSocket (graphql-transport-ws) on the same URL as queries.";

/**
 * type-graphql builds the schema from the decorated classes (with class-validator on args), its resolvers are
 * made direct calls where its wrappers add nothing (direct-resolvers.ts), then buildSubgraphSchema turns it into
 * a Federation 2 subgraph: _service, _entities, and PrefetchTask's
 * reference resolver, which goes through the per-request DataLoader so N references cost one batch per account.
 */
const RESOLVERS: BuildSchemaOptions["resolvers"] = [
  PrefetchResolver,
  SitePrefetchResolver,
  PrefetchTaskResolver,
  NodeResolver,
  CdnSiteResolver,
  ProviderAccountResolver,
  PrefetchTaskUpdatesResolver,
];

export interface AppSchemaOptions {
  /** Serve Query.node and Query.nodes (default true): see Config.nodeFields. */
  readonly nodeFields?: boolean;
}

export async function buildAppSchema(schemaOptions: AppSchemaOptions = {}): Promise<GraphQLSchema> {
  const options: BuildSchemaOptions = {
    resolvers: RESOLVERS,
    orphanedTypes: [...Object.values(PROVIDER_PREFETCH_TYPES), CdnSiteType],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    pubSub: NO_TOPICS,
    validate: { forbidUnknownValues: false },
  };
  const base = describeRoot(await buildSchema(options), schemaOptions.nodeFields ?? true);
  const resolvers = createResolversMap(base) as GraphQLResolverMap<unknown>;
  useDirectResolvers(resolvers, options);
  const prefetchTask = (resolvers.PrefetchTask ?? {}) as Record<string, unknown>;
  const taskByReference = (
    reference: { id?: unknown },
    ctx: Context,
  ): Promise<PrefetchTask | null> | null => {
    // Representations from the router carry only the key; the loader batches all of one operation's.
    const ref = typeof reference.id === "string" ? decodeGlobalId(reference.id, taskRefRules(ctx.now)) : null;
    return ref ? ctx.loaders.task.load(ref) : null;
  };
  resolvers.PrefetchTask = { ...prefetchTask, __resolveReference: taskByReference };
  // A Node by id: a company graph's @interfaceObject Node (Query.node of its own) resolves ours here.
  resolvers.Node = {
    ...((resolvers.Node ?? {}) as Record<string, unknown>),
    __resolveReference: taskByReference,
  };
  resolvers.CdnSite = {
    ...((resolvers.CdnSite ?? {}) as Record<string, unknown>),
    // Nothing to look up: the key is the whole of what this subgraph needs to know about a site.
    __resolveReference: (reference: { domain?: unknown }): { domain: string } | null =>
      typeof reference.domain === "string" ? { domain: reference.domain } : null,
  };
  const schema = buildSubgraphSchema({
    typeDefs: parse(FEDERATION_LINK + printSchemaWithDirectives(base)),
    resolvers,
  });
  guardEntities(schema, MAX_IDS);
  federationOnly(schema, ["_service", "_entities"]);
  return schema;
}

/**
 * The descriptions type-graphql cannot declare: the schema's own and the Query type's. Both survive
 * buildSubgraphSchema and printSubgraphSchema, so the committed SDL carries them. Without `nodeFields`, Query
 * loses node and nodes (a company graph that owns Query.node reaches the Node entity interface instead).
 */
function describeRoot(schema: GraphQLSchema, nodeFields: boolean): GraphQLSchema {
  const described = mapSchema(schema, {
    [MapperKind.QUERY]: (type) => {
      const config = type.toConfig();
      const fields = nodeFields ? config.fields : omit(config.fields, ["node", "nodes"]);
      return new GraphQLObjectType({ ...config, fields, description: QUERY_DESCRIPTION });
    },
    [MapperKind.SUBSCRIPTION]: (type) =>
      new GraphQLObjectType({ ...type.toConfig(), description: SUBSCRIPTION_DESCRIPTION }),
  });
  return new GraphQLSchema({ ...described.toConfig(), description: SCHEMA_DESCRIPTION });
}

function omit<T>(record: Record<string, T>, keys: readonly string[]): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));
}

/**
 * With API keys, `_service` and `_entities` answer only a key marked "federation" (the router's): other clients
 * query the graph through the router, or this subgraph's own fields, which apply their key's accounts and sites.
 * Wrapped outermost, so a refused `_entities` is refused before anything else looks at it.
 */
function federationOnly(schema: GraphQLSchema, names: readonly string[]): void {
  const fields = schema.getQueryType()?.getFields();
  for (const name of names) {
    const field = fields?.[name];
    const resolve = field?.resolve as GraphQLFieldResolver<unknown, Context> | undefined;
    if (!field || !resolve) throw new Error(`the subgraph schema has no ${name} resolver to guard`);
    field.resolve = (source: unknown, args: unknown, ctx: Context, info) => {
      if (!ctx.access.federation) {
        throw new ForbiddenError(`${name} is for the federation router; this API key may not use it.`);
      }
      return resolve(source, args, ctx, info);
    };
  }
}

/**
 * Refuses `_entities` with more than `max` representations, as `nodes` refuses more ids, and any representation
 * that is not an object whose `__typename` names one of this subgraph's entities (a member of `_Entity`), before
 * any of them is resolved. Left to @apollo/subgraph, an unknown typename was a plain Error (masked as
 * INTERNAL_SERVER_ERROR and logged with a stack), and a non-entity object type was resolved from the client's
 * own object. A wrapper on the field rather than a validation rule: routers send representations as a variable,
 * and validation runs before variables have values, so a rule could check only inline lists.
 */
function guardEntities(schema: GraphQLSchema, max: number): void {
  const field = schema.getQueryType()?.getFields()._entities;
  const resolve = field?.resolve as GraphQLFieldResolver<unknown, Context> | undefined;
  const entityUnion = schema.getType("_Entity");
  if (!field || !resolve || !isUnionType(entityUnion)) {
    throw new Error("the subgraph schema has no _entities resolver or _Entity union to guard");
  }
  // Entity interfaces (Node) are not _Entity members but are entities all the same.
  const entities = new Set(entityUnion.getTypes().map((t) => t.name));
  for (const type of Object.values(schema.getTypeMap())) {
    if (isInterfaceType(type) && type.astNode?.directives?.some((d) => d.name.value === "key")) {
      entities.add(type.name);
    }
  }
  field.resolve = (source: unknown, args: { representations?: unknown }, ctx: Context, info) => {
    const { representations } = args;
    if (Array.isArray(representations)) {
      if (representations.length > max) {
        throw new BadUserInputError(
          "representations",
          `_entities takes at most ${max} representations at once, as nodes takes ${max} ids; got ${representations.length}.`,
        );
      }
      representations.forEach((representation: unknown, i) => {
        const problem = representationProblem(representation, entities);
        if (problem !== null)
          throw new BadUserInputError("representations", `representations[${i}] ${problem}.`);
      });
    }
    return resolve(source, args, ctx, info);
  };
}

/** Why a representation names no entity of this subgraph, or null; never lists the entities (no schema hints). */
function representationProblem(representation: unknown, entities: ReadonlySet<string>): string | null {
  if (typeof representation !== "object" || representation === null || Array.isArray(representation)) {
    return "is not an object";
  }
  const typename: unknown = (representation as { __typename?: unknown }).__typename;
  if (typename === undefined || typename === null) return "has no __typename";
  if (typeof typename !== "string") return "has a __typename that is not a string";
  if (!entities.has(typename)) {
    return `has __typename ${JSON.stringify(boundedText(typename, 100))}, which is not an entity of this subgraph`;
  }
  return null;
}

/** The SDL committed to schema/ and composed by the company graph. */
export function printAppSchema(schema: GraphQLSchema): string {
  return printSubgraphSchema(schema);
}
