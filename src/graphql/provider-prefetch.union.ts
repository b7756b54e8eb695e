import { createUnionType, Directive, Field, Int, ObjectType, type ClassType } from "type-graphql";
import type { ProviderPrefetchDetails } from "../domain/prefetch-task";
import type { ProviderKind } from "../domain/provider-kind";
import { REGIONS_SIZE, URLS_SIZE } from "./demand-control";
import { PrefetchTargetType } from "./prefetch-task.type";
import { DateTimeScalar } from "./scalars/date-time.scalar";

@ObjectType("BaiduGeoPrefetch", {
  description: "One record of Baidu AI Cloud GEO's GET /v2/geo/cache/prefetch, as returned.",
})
export class BaiduGeoPrefetchType {
  @Field(() => String, { description: "The site queried." })
  site!: string;

  @Field(() => String, {
    description:
      "Baidu's per-URL record id (the same value as PrefetchTask.taskId), not the id of the submission the record belongs to.",
  })
  id!: string;

  @Field(() => String, { description: "waiting, in-progress, completed or failed." })
  status!: string;

  @Field(() => String, { description: "The URL prefetched." })
  url!: string;

  @Field(() => Int, { nullable: true, description: "Percent done, 0..100, where Baidu sends it." })
  progress!: number | null;

  @Field(() => String, { nullable: true, description: "Baidu's failure message." })
  reason!: string | null;

  @Field(() => String, { nullable: true, description: "User id of the submitter." })
  operator!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "When Baidu created the record." })
  createdAt!: Date | null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: "When Baidu started prefetching the URL, where it says.",
  })
  startedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Absent while the task is unfinished." })
  finishedAt!: Date | null;
}

@ObjectType("WangsuCdnProPrefetchMetadata", {
  description: "The metadata block of a CDN Pro prefetch request.",
})
export class WangsuCdnProPrefetchMetadataType {
  @Field(() => String, {
    description: "Wangsu's id of the prefetch request (the same value as PrefetchTask.taskId).",
  })
  id!: string;

  @Field(() => DateTimeScalar, { nullable: true, description: "When the request was submitted." })
  submissionTime!: Date | null;

  @Field(() => Int, { nullable: true, description: "0..100." })
  successRate!: number | null;

  @Field(() => String, { description: "waiting, inprogress or finished." })
  status!: string;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: "When the request finished, where Wangsu says.",
  })
  finishTime!: Date | null;

  @Field(() => String, {
    nullable: true,
    description: "Id of the API request that submitted the prefetch.",
  })
  apiRequestId!: string | null;
}

@ObjectType("WangsuCdnProPrefetch", {
  description: "Wangsu CDN Pro's GET /cdn/prefetches/{id}, as returned.",
})
export class WangsuCdnProPrefetchType {
  @Field(() => String, { nullable: true, description: "The request's name, where the submitter gave one." })
  name!: string | null;

  @Directive(URLS_SIZE)
  @Field(() => [PrefetchTargetType], { description: "The URLs to prefetch, with their cache-key headers." })
  fileList!: PrefetchTargetType[];

  @Directive(REGIONS_SIZE)
  @Field(() => [String], { description: "Continents the content is prefetched to; empty means all." })
  regions!: string[];

  @Field(() => DateTimeScalar, { nullable: true, description: "The requested start of the prefetch." })
  startTime!: Date | null;

  @Field(() => String, { nullable: true, description: "Webhook id called when the task finishes." })
  webhook!: string | null;

  @Field(() => WangsuCdnProPrefetchMetadataType, {
    description: "Wangsu's metadata block: id, status, success rate and times.",
  })
  metadata!: WangsuCdnProPrefetchMetadataType;
}

/**
 * Each provider's member of the union. A Record over every ProviderKind: a provider added without its member does
 * not compile, rather than having its details rendered as another provider's.
 */
export const PROVIDER_PREFETCH_TYPES: Record<ProviderKind, ClassType> = {
  BAIDU_GEO: BaiduGeoPrefetchType,
  WANGSU_CDN_PRO: WangsuCdnProPrefetchType,
};

export const ProviderPrefetchUnion = createUnionType({
  name: "ProviderPrefetch",
  description: "The provider-specific shape of a task.",
  types: () => Object.values(PROVIDER_PREFETCH_TYPES),
  // Resolvers hand out domain details, whose `kind` names the member (synchronously: see direct-resolvers.ts).
  resolveType: (value) => PROVIDER_PREFETCH_TYPES[(value as unknown as ProviderPrefetchDetails).kind],
});
