import "reflect-metadata";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  buildASTSchema,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  type ConstDirectiveNode,
  type GraphQLField,
  type GraphQLOutputType,
} from "graphql";

/**
 * A router prices operations from the committed SDL (issue 10): every list and connection carries @listSize
 * (or is a sized field of a parent that does), and every field that may cost an upstream call carries @cost.
 */
const sdl = readFileSync(join(__dirname, "..", "..", "..", "schema", "prefetch-graph.graphql"), "utf8");
const directives = readFileSync(
  join(__dirname, "..", "..", "support", "federation-directives.graphql"),
  "utf8",
);
const schema = buildASTSchema(parse(`${directives}\n${sdl}`));

function directive(field: GraphQLField<unknown, unknown>, name: string): ConstDirectiveNode | undefined {
  return field.astNode?.directives?.find((d) => d.name.value === name);
}

function listArgument(node: ConstDirectiveNode | undefined, name: string): string[] {
  const value = node?.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.LIST ? value.values.map((v) => (v.kind === Kind.STRING ? v.value : "")) : [];
}

const isList = (type: GraphQLOutputType): boolean => isListType(isNonNullType(type) ? type.ofType : type);
const isConnection = (type: GraphQLOutputType): boolean => getNamedType(type).name.endsWith("Connection");

const fields = Object.values(schema.getTypeMap())
  .filter((t) => isObjectType(t) && !t.name.startsWith("__") && !t.name.startsWith("_"))
  .flatMap((t) => (isObjectType(t) ? Object.values(t.getFields()).map((f) => ({ type: t.name, field: f })) : []));

describe("demand control in the committed SDL", () => {
  it("links Federation 2.9 and imports @cost and @listSize", () => {
    expect(sdl).toMatch(/federation\/v2\.9", import: \[[^\]]*"@cost", "@listSize"\]/);
  });

  it("sizes every list and connection, by the argument that slices it or by an assumed size", () => {
    const sized = new Set<string>();
    for (const { field } of fields) {
      const size = directive(field, "listSize");
      const target = getNamedType(field.type).name;
      for (const name of listArgument(size, "sizedFields")) sized.add(`${target}.${name}`);
    }
    const unsized = fields
      .filter(({ field }) => isList(field.type) || isConnection(field.type))
      .filter(({ type, field }) => !directive(field, "listSize") && !sized.has(`${type}.${field.name}`))
      .map(({ type, field }) => `${type}.${field.name}`);
    expect(unsized).toEqual([]);
  });

  it("slices connections by first, and sizes them by their edges and nodes", () => {
    const connections = fields.filter(({ field }) => isConnection(field.type));
    expect(connections.map(({ type, field }) => `${type}.${field.name}`).sort()).toEqual([
      "CdnSite.allPrefetchTasks",
      "CdnSite.prefetchTasks",
      "Query.prefetchTasks",
      "Query.sitePrefetchTasks",
    ]);
    for (const { field } of connections) {
      const size = directive(field, "listSize");
      expect(listArgument(size, "slicingArguments")).toEqual(["first"]);
      expect(listArgument(size, "sizedFields")).toEqual(["edges", "nodes"]);
    }
  });

  it("prices every field that may cost an upstream call", () => {
    const mayCall = [
      "Query.prefetchTasks",
      "Query.prefetchTask",
      "Query.prefetchTasksByIds",
      "Query.node",
      "Query.nodes",
      "CdnSite.prefetchTasks",
      "Query.sitePrefetchTasks",
      "CdnSite.allPrefetchTasks",
      "Subscription.prefetchTaskUpdates",
      "PrefetchTask.targets",
      "PrefetchTask.startedAt",
      "PrefetchTask.providerDetails",
      "PrefetchTask.queueDuration",
      "PrefetchTask.runDuration",
    ];
    const priced = fields
      .filter(({ field }) => directive(field, "cost") !== undefined)
      .map(({ type, field }) => `${type}.${field.name}`);
    expect(priced.sort()).toEqual(mayCall.sort());
  });
});
