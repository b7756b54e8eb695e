import { Arg, Ctx, Directive, FieldResolver, Resolver, Root } from "type-graphql";
import type { Context } from "../context";
import { DurationUnit, durationBetween } from "../domain/duration";
import { isFinished } from "../domain/prefetch-status";
import type {
  LazyTaskField,
  PrefetchTarget,
  PrefetchTask,
  ProviderPrefetchDetails,
} from "../domain/prefetch-task";
import type { ProviderKind } from "../domain/provider-kind";
import { UpstreamError } from "../errors/app-error";
import { UPSTREAM_CALL, URLS_SIZE } from "./demand-control";
import { DurationUnit as DurationUnitEnum, ProviderKind as ProviderKindEnum } from "./enums";
import { PrefetchTargetType, PrefetchTaskType } from "./prefetch-task.type";
import { ProviderPrefetchUnion } from "./provider-prefetch.union";
import { DateTimeScalar } from "./scalars/date-time.scalar";

// nullable with a default, as in the contract: an explicit null also means seconds.
const unitArg = {
  nullable: true,
  defaultValue: DurationUnit.SECONDS,
  description: "Unit of the result.",
} as const;

@Resolver(() => PrefetchTaskType)
export class PrefetchTaskResolver {
  // Every method answers synchronously when the row at hand holds what it needs (see direct-resolvers.ts for
  // how they are called): only a field the row lacks goes through the loader, and so through a promise.

  @FieldResolver(() => ProviderKindEnum, { description: "The provider the task is at." })
  provider(@Root() task: PrefetchTask): ProviderKind {
    return task.ref.provider;
  }

  @FieldResolver(() => String, { description: "Name of the configured provider account that owns the task." })
  account(@Root() task: PrefetchTask): string {
    return task.ref.account;
  }

  @FieldResolver(() => String, {
    description:
      "The provider's own task id, as prefetchTask takes it. BAIDU_GEO: Baidu's per-URL record id (equal to BaiduGeoPrefetch.id), not the id of the submission the record belongs to. WANGSU_CDN_PRO: the prefetch request's id (equal to WangsuCdnProPrefetchMetadata.id).",
  })
  taskId(@Root() task: PrefetchTask): string {
    return task.ref.taskId;
  }

  @Directive(UPSTREAM_CALL)
  @Directive(URLS_SIZE)
  @FieldResolver(() => [PrefetchTargetType], {
    nullable: true,
    description:
      "The task's URLs: the record's one URL for BAIDU_GEO, the request's fileList for WANGSU_CDN_PRO (whose list rows lack it, so it may take a lookup by id). Null only when the provider could not be asked for them (the error says why).",
  })
  targets(@Root() task: PrefetchTask, @Ctx() ctx: Context): MaybePromise<readonly PrefetchTarget[] | null> {
    return read(task, "targets", ctx, targetsOf);
  }

  @Directive(UPSTREAM_CALL)
  @FieldResolver(() => DateTimeScalar, {
    nullable: true,
    description:
      "When the provider started the task: Baidu's startedAt, where sent. Always null for WANGSU_CDN_PRO, which does not report it (its providerDetails.startTime is the requested start, not the actual one).",
  })
  startedAt(@Root() task: PrefetchTask, @Ctx() ctx: Context): MaybePromise<Date | null> {
    return read(task, "startedAt", ctx, startedAtOf);
  }

  @Directive(UPSTREAM_CALL)
  @FieldResolver(() => ProviderPrefetchUnion, {
    nullable: true,
    description:
      "The provider's own view of the task, every field it returned: BaiduGeoPrefetch or WangsuCdnProPrefetch (whose list rows lack it, so it may take a lookup by id). Null only when the provider could not be asked (the error says why).",
  })
  providerDetails(
    @Root() task: PrefetchTask,
    @Ctx() ctx: Context,
  ): MaybePromise<ProviderPrefetchDetails | null> {
    return read(task, "details", ctx, detailsOf);
  }

  @Directive(UPSTREAM_CALL)
  @FieldResolver(() => Number, {
    nullable: true,
    description:
      "createdAt -> startedAt; null where either is unknown, so always null for WANGSU_CDN_PRO (no startedAt).",
  })
  queueDuration(
    @Root() task: PrefetchTask,
    @Ctx() ctx: Context,
    @Arg("unit", () => DurationUnitEnum, unitArg) unit: DurationUnit | null,
  ): MaybePromise<number | null> {
    const queued = (full: PrefetchTask): number | null =>
      durationBetween(full.createdAt, full.startedAt, unit ?? DurationUnit.SECONDS, {
        stillRunning: false,
        now: ctx.now,
      });
    return read(task, "startedAt", ctx, queued);
  }

  @Directive(UPSTREAM_CALL)
  @FieldResolver(() => Number, {
    nullable: true,
    description:
      "startedAt -> finishedAt, or startedAt -> now while the task runs; null where unknown, so always null for WANGSU_CDN_PRO (no startedAt).",
  })
  runDuration(
    @Root() task: PrefetchTask,
    @Ctx() ctx: Context,
    @Arg("unit", () => DurationUnitEnum, unitArg) unit: DurationUnit | null,
  ): MaybePromise<number | null> {
    const ran = (full: PrefetchTask): number | null =>
      durationBetween(full.startedAt, full.finishedAt, unit ?? DurationUnit.SECONDS, {
        stillRunning: !isFinished(full.status),
        now: ctx.now,
      });
    return read(task, "startedAt", ctx, ran);
  }

  @FieldResolver(() => Number, {
    nullable: true,
    description: "createdAt -> finishedAt, or createdAt -> now while unfinished; null where unknown.",
  })
  totalDuration(
    @Root() task: PrefetchTask,
    @Ctx() ctx: Context,
    @Arg("unit", () => DurationUnitEnum, unitArg) unit: DurationUnit | null,
  ): number | null {
    return durationBetween(task.createdAt, task.finishedAt, unit ?? DurationUnit.SECONDS, {
      stillRunning: !isFinished(task.status),
      now: ctx.now,
    });
  }
}

type MaybePromise<T> = T | Promise<T>;

const targetsOf = (task: PrefetchTask): readonly PrefetchTarget[] | null => task.targets;
const startedAtOf = (task: PrefetchTask): Date | null => task.startedAt;
const detailsOf = (task: PrefetchTask): ProviderPrefetchDetails | null => task.details;

/**
 * `value` of the task at hand, synchronously, when it carries `field`; else of the complete task, once the
 * operation's loader has it.
 */
function read<T>(
  task: PrefetchTask,
  field: LazyTaskField,
  ctx: Context,
  value: (task: PrefetchTask) => T,
): MaybePromise<T> {
  return task.missing.has(field) ? complete(task, ctx).then(value) : value(task);
}

/**
 * The complete task through this operation's by-id loader, for a list row that lacks a selected field: one
 * batched detail call for the rows of a page that need it.
 */
async function complete(task: PrefetchTask, ctx: Context): Promise<PrefetchTask> {
  const full = await ctx.loaders.task.load(task.ref);
  if (full === null) {
    throw new UpstreamError(
      "UPSTREAM_BAD_RESPONSE",
      "The provider listed this task but no longer knows it by id.",
      {
        provider: task.ref.provider,
        account: task.ref.account,
      },
    );
  }
  return full;
}
