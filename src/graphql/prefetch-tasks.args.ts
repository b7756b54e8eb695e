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
import type { Context } from "../context";
import { TASK_ID_MAX_LENGTH, TASK_ID_PATTERN } from "../domain/task-ref-rules";
import { PrefetchStatus, ProviderKind } from "./enums";
import { DateTimeScalar } from "./scalars/date-time.scalar";
import { SiteForProviderConstraint, TimeWindowConstraint } from "./validators";

export const DEFAULT_FIRST = 20;
export const MAX_FIRST = 500;
export const MAX_IDS = 100;

/** Which provider account: every entry point that reaches one provider takes these. */
@ArgsType()
export class ProviderAccountArgs {
  @Field(() => ProviderKind, { description: "The provider whose account to ask." })
  provider!: ProviderKind;

  @Field(() => String, {
    nullable: true,
    description: "Account name; may be omitted where the provider has exactly one configured account.",
  })
  @IsOptional()
  @Matches(ACCOUNT_NAME_PATTERN, { message: "account must be a configured account name" })
  account?: string | null;
}

/** A connection's arguments apart from the site: shared by Query.prefetchTasks and CdnSite.prefetchTasks. */
@ArgsType()
export class SitePrefetchTasksArgs extends ProviderAccountArgs {
  @Field(() => DateTimeScalar, { nullable: true, description: "Default: endTime minus 24 hours." })
  @Validate(TimeWindowConstraint)
  startTime?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: "Default: now." })
  endTime?: Date | null;

  @Field(() => [PrefetchStatus], {
    nullable: true,
    description:
      "Only tasks in these statuses (1 to 5 of them); all when omitted. A filter only on statuses the provider never reports (PARTIALLY_COMPLETED for BAIDU_GEO) returns an empty page without asking the provider.",
  })
  @IsOptional()
  @ArrayNotEmpty({ message: "status must not be empty; omit it for all statuses" })
  @ArrayMaxSize(5)
  status?: PrefetchStatus[] | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: DEFAULT_FIRST,
    description: `How many tasks, 0..${MAX_FIRST}; served across as many provider pages as needed.`,
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
export class PrefetchTasksArgs extends SitePrefetchTasksArgs {
  @Field(() => String, {
    nullable: true,
    description:
      "The site (domain). Required for BAIDU_GEO; for WANGSU_CDN_PRO, only tasks touching this hostname.",
  })
  @Validate(SiteForProviderConstraint)
  site?: string | null;
}

@ArgsType()
export class PrefetchTaskArgs extends ProviderAccountArgs {
  @Field(() => String, { description: "The provider's own task id." })
  @MaxLength(TASK_ID_MAX_LENGTH)
  @Matches(TASK_ID_PATTERN, { message: "taskId must not be empty or contain spaces" })
  taskId!: string;

  @Field(() => String, { nullable: true, description: "The site (domain); required for BAIDU_GEO." })
  @Validate(SiteForProviderConstraint)
  site?: string | null;
}

/** A connection's window, filter and paging arguments, with their defaults, as both paging engines take them. */
export function pageRequest(
  args: Pick<SitePrefetchTasksArgs, "startTime" | "endTime" | "status" | "first" | "after">,
  ctx: Context,
) {
  return {
    startTime: args.startTime ?? null,
    endTime: args.endTime ?? null,
    statuses: args.status ?? null,
    first: args.first ?? DEFAULT_FIRST,
    after: args.after ?? null,
    now: ctx.now,
    scope: ctx.scope,
  };
}
