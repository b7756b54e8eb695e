import { ArrayMaxSize } from "class-validator";
import { Args, ArgsType, Ctx, Directive, Field, ID, Query, Resolver } from "type-graphql";
import type { Context } from "../context";
import { decodeGlobalId } from "../domain/global-id";
import type { PrefetchTask } from "../domain/prefetch-task";
import { ForbiddenError } from "../errors/app-error";
import type { PrefetchConnection } from "../pagination/paging-engine";
import type { ProviderAccountInfo } from "../providers/provider";
import { ACCOUNTS_SIZE, BY_IDS_SIZE, CONNECTION_SIZE, UPSTREAM_CALL } from "./demand-control";
import { PrefetchConnectionType } from "./prefetch-connection.type";
import { PrefetchTaskType } from "./prefetch-task.type";
import {
  MAX_IDS,
  pageRequest,
  PrefetchTaskArgs,
  PrefetchTasksArgs,
  type SitePrefetchTasksArgs,
} from "./prefetch-tasks.args";
import { ProviderAccountType } from "./provider-account.type";
import { taskRefRules } from "./validators";

@ArgsType()
export class IdsArgs {
  @Field(() => [ID], { description: `Global ids (PrefetchTask.id), at most ${MAX_IDS}.` })
  @ArrayMaxSize(MAX_IDS)
  ids!: string[];
}

/**
 * One connection page of a site's tasks; the site comes from an argument or from a CdnSite entity. Both list entry
 * points come through here, so a key that may not read the account or the site (or, without a site, every site
 * of the account) is refused here, before any upstream call.
 */
export function listPrefetchTasks(
  ctx: Context,
  args: SitePrefetchTasksArgs,
  site: string | null,
): Promise<PrefetchConnection> {
  const provider = ctx.registry.resolve(args.provider, args.account, ctx.access);
  if (!ctx.access.allowsSite(provider.kind, provider.account.name, site)) {
    throw new ForbiddenError(
      site === null
        ? `This API key may read only some sites of ${provider.kind} account "${provider.account.name}": pass "site".`
        : `This API key may not read site "${site}" of ${provider.kind} account "${provider.account.name}".`,
      { provider: provider.kind, account: provider.account.name, argumentName: "site" },
    );
  }
  // PrefetchConnection.sources: the one account, complete (a failure fails the whole field here).
  const sources = [
    { provider: provider.kind, account: provider.account.name, complete: true, errorCode: null },
  ];
  return ctx.loaders
    .listing(provider, (onRows) => ctx.paging.page({ provider, site, ...pageRequest(args, ctx) }, onRows))
    .then((conn) => ({ ...conn, sources }));
}

/** Loads tasks by global id; ids that are not ours (or break the typed arguments' rules) resolve to null, like unknown ones. */
export function loadByGlobalIds(
  ctx: Context,
  ids: readonly string[],
): Promise<(PrefetchTask | null | Error)[]> {
  const rules = taskRefRules(ctx.now);
  return Promise.all(
    ids.map((id) => {
      const ref = decodeGlobalId(id, rules);
      return ref ? ctx.loaders.task.load(ref).catch((err: Error) => err) : Promise.resolve(null);
    }),
  );
}

@Resolver()
export class PrefetchResolver {
  @Directive(UPSTREAM_CALL)
  @Directive(CONNECTION_SIZE)
  @Query(() => PrefetchConnectionType, {
    nullable: true,
    description:
      "Prefetch tasks at one provider account in a time window, in the provider's order (see ProviderKind: Wangsu newest first, Baidu as learnt per account). Windows longer than the provider allows are split transparently and chained in that order, and first may exceed the provider's page size.",
  })
  async prefetchTasks(
    @Args(() => PrefetchTasksArgs) args: PrefetchTasksArgs,
    @Ctx() ctx: Context,
  ): Promise<PrefetchConnection> {
    return listPrefetchTasks(ctx, args, args.site ?? null);
  }

  @Directive(UPSTREAM_CALL)
  @Query(() => PrefetchTaskType, {
    nullable: true,
    description:
      "One task by its provider-native identity; null where the provider does not know it. site is required for BAIDU_GEO.",
  })
  async prefetchTask(
    @Args(() => PrefetchTaskArgs) args: PrefetchTaskArgs,
    @Ctx() ctx: Context,
  ): Promise<PrefetchTask | null> {
    // An account the key may not use answers null, as an unknown task does; the loader judges the site.
    const provider = ctx.registry.lookup(args.provider, args.account, ctx.access);
    if (provider === null) return null;
    return ctx.loaders.task.load({
      provider: provider.kind,
      account: provider.account.name,
      taskId: args.taskId,
      // Only providers that need a site for a lookup keep it in the identity, so that ids stay canonical.
      site: provider.capabilities.siteRequired ? (args.site ?? null) : null,
    });
  }

  @Directive(UPSTREAM_CALL)
  @Directive(BY_IDS_SIZE)
  @Query(() => [PrefetchTaskType], {
    nullable: "items",
    description: "Tasks by global id, in request order, null where not found.",
  })
  async prefetchTasksByIds(
    @Args(() => IdsArgs) { ids }: IdsArgs,
    @Ctx() ctx: Context,
  ): Promise<(PrefetchTask | null | Error)[]> {
    return loadByGlobalIds(ctx, ids);
  }

  @Directive(ACCOUNTS_SIZE)
  @Query(() => [ProviderAccountType], {
    description: "The configured provider accounts; with API keys, those the caller's key may use.",
  })
  providerAccounts(@Ctx() ctx: Context): ProviderAccountInfo[] {
    return ctx.registry.accountsFor(ctx.access);
  }
}
