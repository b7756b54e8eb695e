import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsOptional,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
} from "class-validator";
import { ArgsType, Field, Int } from "type-graphql";
import { ACCOUNT_NAME_PATTERN } from "../config/account-name";
import { PROVIDER_KINDS } from "../domain/provider-kind";
import { MAX_MERGE_SOURCES } from "../pagination/merge-cursor";
import { PrefetchStatus, ProviderKind } from "./enums";
import { DEFAULT_FIRST, MAX_FIRST } from "./prefetch-tasks.args";
import { DateTimeScalar } from "./scalars/date-time.scalar";
import { HOSTNAME_PATTERN, TimeWindowConstraint } from "./validators";

/**
 * The merged feed's arguments apart from the site: CdnSite.allPrefetchTasks takes these, Query.sitePrefetchTasks
 * these and the site. The window, status, first and after arguments follow prefetchTasks' rules exactly.
 */
@ArgsType()
export class SiteFeedArgs {
  @Field(() => [ProviderKind], {
    nullable: true,
    description: "Only accounts of these providers; every provider when omitted.",
  })
  @IsOptional()
  @ArrayNotEmpty({ message: "providers must not be empty; omit it for every provider" })
  @ArrayMaxSize(PROVIDER_KINDS.length)
  providers?: ProviderKind[] | null;

  @Field(() => [String], {
    nullable: true,
    description: `Only accounts of these names (at any of the providers asked for), at most ${MAX_MERGE_SOURCES}; every account the API key may read the site of when omitted.`,
  })
  @IsOptional()
  @ArrayNotEmpty({ message: "accounts must not be empty; omit it for every account" })
  @ArrayMaxSize(MAX_MERGE_SOURCES)
  @Matches(ACCOUNT_NAME_PATTERN, { each: true, message: "accounts must be configured account names" })
  accounts?: string[] | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Default: endTime minus 24 hours." })
  @Validate(TimeWindowConstraint)
  startTime?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Default: now." })
  endTime?: Date | null;

  @Field(() => [PrefetchStatus], {
    nullable: true,
    description:
      "Only tasks in these statuses (1 to 5 of them); all when omitted. An account whose provider never reports any of them (PARTIALLY_COMPLETED for BAIDU_GEO) is not asked.",
  })
  @IsOptional()
  @ArrayNotEmpty({ message: "status must not be empty; omit it for all statuses" })
  @ArrayMaxSize(5)
  status?: PrefetchStatus[] | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: DEFAULT_FIRST,
    description: `How many tasks, 0..${MAX_FIRST}, from all accounts together.`,
  })
  @IsOptional()
  @Min(0)
  @Max(MAX_FIRST)
  first?: number | null;

  @Field(() => String, { nullable: true, description: "endCursor of the previous page of the same query." })
  @IsOptional()
  @MaxLength(2048)
  after?: string | null;
}

@ArgsType()
export class SiteFeedQueryArgs extends SiteFeedArgs {
  @Field(() => String, { description: "The site (domain), e.g. www.example.com." })
  @Matches(HOSTNAME_PATTERN, {
    message: "site must be a hostname such as www.example.com (no scheme, port or path)",
  })
  site!: string;
}
