import { Directive, Field, ObjectType } from "type-graphql";
import { SOURCES_SIZE } from "./demand-control";
import { PrefetchSourceType } from "./prefetch-source.type";
import { PrefetchTaskType } from "./prefetch-task.type";

// Relay's PageInfo is defined by nearly every company graph too: @shareable, with exactly Relay's field set, so
// composing with a graph that has its own (marked @shareable as well) succeeds.
@Directive("@shareable")
@ObjectType("PageInfo", { description: "Relay connection page information." })
export class PageInfoType {
  @Field(() => Boolean, {
    description:
      "Whether a next page holds tasks, taken from the provider's own signal (Baidu's isTruncated, Wangsu's count) so that it costs no extra call. Exact without a status filter; with a status filter, or a Wangsu list narrowed to a site, it may be optimistic: the next page can turn out empty. Always false for first: 0, which makes no call.",
  })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: "Always false: connections page forward only." })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "The first edge's cursor; null on an empty page." })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The last edge's cursor, to pass as after for the next page; null on an empty page.",
  })
  endCursor!: string | null;
}

@ObjectType("PrefetchTaskEdge", { description: "A task and the cursor that resumes after it." })
export class PrefetchTaskEdgeType {
  @Field(() => String, {
    description:
      "Opaque; carries the provider's marker, the time window and the offset in the provider's page (sitePrefetchTasks: every account's position, signed as one).",
  })
  cursor!: string;

  @Field(() => PrefetchTaskType, { description: "The task." })
  node!: PrefetchTaskType;
}

@ObjectType("PrefetchConnection", { description: "A page of prefetch tasks (Relay cursor connection)." })
export class PrefetchConnectionType {
  @Field(() => [PrefetchTaskEdgeType], {
    description:
      "The page's tasks with their cursors, in the provider's order (see ProviderKind); sitePrefetchTasks: newest first across accounts.",
  })
  edges!: PrefetchTaskEdgeType[];

  @Field(() => [PrefetchTaskType], { description: "The edges' nodes, for clients that need no cursors." })
  nodes!: PrefetchTaskType[];

  @Field(() => PageInfoType, { description: "Where the page ends and whether another follows." })
  pageInfo!: PageInfoType;

  @Directive(SOURCES_SIZE)
  @Field(() => [PrefetchSourceType], {
    nullable: true,
    description:
      "The provider accounts the page was read from, in ProviderKind then account-name order, each saying whether it is complete. sitePrefetchTasks and allPrefetchTasks: every account of the feed. prefetchTasks: its one account, always complete (a failing account fails the whole field there).",
  })
  sources!: PrefetchSourceType[] | null;
}
