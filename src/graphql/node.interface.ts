import { Directive, Field, ID, InterfaceType } from "type-graphql";

// An entity interface (Federation 2.3): a company graph that owns Query.node declares
// `type Node @interfaceObject @key(fields: "id")` and reaches any of this subgraph's nodes by id through
// _entities, which resolves the concrete type here (src/schema.ts).
@Directive('@key(fields: "id")')
@InterfaceType("Node", {
  description: "Relay Global Object Identification.",
  // PrefetchTask is the only Node today; a second one would resolve by a discriminating property.
  resolveType: () => "PrefetchTask",
})
export abstract class NodeInterface {
  @Field(() => ID, { description: "Opaque, stable global id." })
  id!: string;
}
