import { Field, ID, InterfaceType } from "type-graphql";

@InterfaceType("Node", {
  description: "Relay Global Object Identification.",
  // PrefetchTask is the only Node today; a second one would resolve by a discriminating property.
  resolveType: () => "PrefetchTask",
})
export abstract class NodeInterface {
  @Field(() => ID, { description: "Opaque, stable global id." })
  id!: string;
}
