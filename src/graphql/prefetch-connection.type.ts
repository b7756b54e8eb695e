import { Field, ObjectType } from "type-graphql";
import { PrefetchTaskType } from "./prefetch-task.type";

@ObjectType("PageInfo", { description: "Relay connection page information." })
export class PageInfoType {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: "Always false: connections page forward only." })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType("PrefetchTaskEdge", { description: "A task and the cursor that resumes after it." })
export class PrefetchTaskEdgeType {
  @Field(() => String, {
    description:
      "Opaque; carries the provider's marker, the time window and the offset in the provider's page.",
  })
  cursor!: string;

  @Field(() => PrefetchTaskType)
  node!: PrefetchTaskType;
}

@ObjectType("PrefetchConnection", { description: "A page of prefetch tasks (Relay cursor connection)." })
export class PrefetchConnectionType {
  @Field(() => [PrefetchTaskEdgeType])
  edges!: PrefetchTaskEdgeType[];

  @Field(() => [PrefetchTaskType], { description: "The edges' nodes, for clients that need no cursors." })
  nodes!: PrefetchTaskType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
}
