import { Arg, Ctx, FieldResolver, ID, Resolver, Root } from "type-graphql";
import type { Context } from "../context";
import { DurationUnit, durationBetween } from "../domain/duration";
import { encodeGlobalId } from "../domain/global-id";
import { isFinished } from "../domain/prefetch-status";
import type {
  LazyTaskField,
  PrefetchTarget,
  PrefetchTask,
  ProviderPrefetchDetails,
} from "../domain/prefetch-task";
import type { ProviderKind } from "../domain/provider-kind";
import { UpstreamError } from "../errors/app-error";
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
  @FieldResolver(() => ID, { description: "Opaque, stable global id; also the federation key." })
  id(@Root() task: PrefetchTask): string {
    return encodeGlobalId(task.ref);
  }

  @FieldResolver(() => ProviderKindEnum)
  provider(@Root() task: PrefetchTask): ProviderKind {
    return task.ref.provider;
  }

  @FieldResolver(() => String, { description: "Name of the configured provider account that owns the task." })
  account(@Root() task: PrefetchTask): string {
    return task.ref.account;
  }

  @FieldResolver(() => String, { description: "The provider's own task id." })
  taskId(@Root() task: PrefetchTask): string {
    return task.ref.taskId;
  }

  @FieldResolver(() => [PrefetchTargetType], {
    nullable: true,
    description:
      "The task's URLs. Null only when the provider could not be asked for them (the error says why).",
  })
  async targets(@Root() task: PrefetchTask, @Ctx() ctx: Context): Promise<readonly PrefetchTarget[] | null> {
    return (await complete(task, "targets", ctx)).targets;
  }

  @FieldResolver(() => DateTimeScalar, {
    nullable: true,
    description: "When the provider started the task, where it says.",
  })
  async startedAt(@Root() task: PrefetchTask, @Ctx() ctx: Context): Promise<Date | null> {
    return (await complete(task, "startedAt", ctx)).startedAt;
  }

  @FieldResolver(() => ProviderPrefetchUnion, {
    nullable: true,
    description:
      "The provider's own view of the task, every field it returned. Null only when the provider could not be asked (the error says why).",
  })
  async providerDetails(
    @Root() task: PrefetchTask,
    @Ctx() ctx: Context,
  ): Promise<ProviderPrefetchDetails | null> {
    return (await complete(task, "details", ctx)).details;
  }

  @FieldResolver(() => Number, {
    nullable: true,
    description: "createdAt -> startedAt; null where either is unknown.",
  })
  async queueDuration(
    @Root() task: PrefetchTask,
    @Ctx() ctx: Context,
    @Arg("unit", () => DurationUnitEnum, unitArg) unit: DurationUnit | null,
  ): Promise<number | null> {
    const full = await complete(task, "startedAt", ctx);
    return durationBetween(full.createdAt, full.startedAt, unit ?? DurationUnit.SECONDS, {
      stillRunning: false,
      now: ctx.now,
    });
  }

  @FieldResolver(() => Number, {
    nullable: true,
    description: "startedAt -> finishedAt, or startedAt -> now while the task runs; null where unknown.",
  })
  async runDuration(
    @Root() task: PrefetchTask,
    @Ctx() ctx: Context,
    @Arg("unit", () => DurationUnitEnum, unitArg) unit: DurationUnit | null,
  ): Promise<number | null> {
    const full = await complete(task, "startedAt", ctx);
    return durationBetween(full.startedAt, full.finishedAt, unit ?? DurationUnit.SECONDS, {
      stillRunning: !isFinished(full.status),
      now: ctx.now,
    });
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

/**
 * The task itself when it carries `field`, else the complete task through this operation's by-id loader: a
 * list row that lacks a selected field costs one batched detail call, a row that has it costs none.
 */
async function complete(task: PrefetchTask, field: LazyTaskField, ctx: Context): Promise<PrefetchTask> {
  if (!task.missing.has(field)) return task;
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
