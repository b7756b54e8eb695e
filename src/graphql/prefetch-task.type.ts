import { Directive, Field, ID, Int, ObjectType } from "type-graphql";
import { HEADERS_SIZE } from "./demand-control";
import { NodeInterface } from "./node.interface";
import { DateTimeScalar } from "./scalars/date-time.scalar";
import { PrefetchStatus } from "./enums";

// A plain name/value pair that other subgraphs define too: @shareable, so a company graph with its own composes.
@Directive("@shareable")
@ObjectType("HttpHeader", { description: "One HTTP request header." })
export class HttpHeaderType {
  @Field(() => String, { description: "The header's name." })
  name!: string;

  @Field(() => String, { description: "The header's value." })
  value!: string;
}

@ObjectType("PrefetchTarget", { description: "One URL of a prefetch task." })
export class PrefetchTargetType {
  @Field(() => String, { description: "The URL to warm up." })
  url!: string;

  @Directive(HEADERS_SIZE)
  @Field(() => [HttpHeaderType], {
    description: "Request headers that are part of the cache key (Wangsu CDN Pro). Empty when none.",
  })
  headers!: HttpHeaderType[];
}

/**
 * The GraphQL shape of a task. Resolvers hand out the domain PrefetchTask; fields that are plain properties of
 * it (the global id included, computed when the task was mapped) are declared here and read by graphql's default
 * resolver, the rest (ref parts, lazy fields, durations) are declared and resolved in prefetch-task.resolver.ts.
 */
@Directive('@key(fields: "id")')
@ObjectType("PrefetchTask", {
  implements: NodeInterface,
  description: "A prefetch (cache warm-up) task at one provider account.",
})
export class PrefetchTaskType extends NodeInterface {
  @Field(() => ID, { description: "Opaque, stable global id; also the federation key." })
  declare id: string;

  @Field(() => String, {
    nullable: true,
    description:
      "The site (domain) the task belongs to. BAIDU_GEO: the site asked for. WANGSU_CDN_PRO: the one hostname all its URLs share; null where they span several.",
  })
  site!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Short description: Wangsu's request name, where given. Always null for BAIDU_GEO.",
  })
  name!: string | null;

  @Field(() => PrefetchStatus, {
    description:
      "The provider's status mapped onto the unified ones; PrefetchStatus says which provider reports which.",
  })
  status!: PrefetchStatus;

  @Field(() => String, {
    description:
      "The provider's status string, unchanged: Baidu's waiting, in-progress, completed or failed; Wangsu's waiting, inprogress or finished.",
  })
  providerStatus!: string;

  @Field(() => Int, {
    nullable: true,
    description:
      "Percent of the work done, 0..100: Baidu's progress, where sent. Always null for WANGSU_CDN_PRO.",
  })
  progress!: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "Percent of URLs prefetched successfully, 0..100. WANGSU_CDN_PRO: Wangsu's successRate. BAIDU_GEO (one URL per task): 100 when completed, 0 when failed, null before.",
  })
  successRate!: number | null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: "When the task was submitted: Baidu's createdAt, Wangsu's submissionTime.",
  })
  createdAt!: Date | null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description:
      "When the task finished: Baidu's finishedAt, Wangsu's finishTime; null while unfinished or where the provider does not say.",
  })
  finishedAt!: Date | null;

  @Field(() => String, {
    nullable: true,
    description: "Why the task failed: Baidu's reason. Always null for WANGSU_CDN_PRO.",
  })
  failureReason!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Who submitted the task: Baidu's operator (a user id). Always null for WANGSU_CDN_PRO.",
  })
  operator!: string | null;

  @Field(() => DateTimeScalar, {
    description:
      "When the provider reported the data this answer shows. A finished task never changes and may be answered from memory long after; an unfinished one is never older than the server's freshness setting (PREFETCH_GRAPH_FRESHNESS_MS, 5 s by default).",
  })
  observedAt!: Date;
}
