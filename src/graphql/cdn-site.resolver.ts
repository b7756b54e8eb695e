import { Args, Ctx, Directive, FieldResolver, Resolver, Root } from "type-graphql";
import type { Context } from "../context";
import { BadUserInputError } from "../errors/app-error";
import type { PrefetchConnection } from "../pagination/paging-engine";
import { CdnSiteType } from "./cdn-site.type";
import { CONNECTION_SIZE, UPSTREAM_CALL } from "./demand-control";
import { PrefetchConnectionType } from "./prefetch-connection.type";
import { listPrefetchTasks } from "./prefetch.resolver";
import { SitePrefetchTasksArgs } from "./prefetch-tasks.args";
import { HOSTNAME_PATTERN } from "./validators";

@Resolver(() => CdnSiteType)
export class CdnSiteResolver {
  @Directive(UPSTREAM_CALL)
  @Directive(CONNECTION_SIZE)
  @FieldResolver(() => PrefetchConnectionType, {
    nullable: true,
    description:
      "This site's prefetch tasks at one provider account in a time window; the same connection and arguments as Query.prefetchTasks, with the site taken from the entity.",
  })
  prefetchTasks(
    @Root() site: CdnSiteType,
    @Args(() => SitePrefetchTasksArgs) args: SitePrefetchTasksArgs,
    @Ctx() ctx: Context,
  ): Promise<PrefetchConnection> {
    // The domain comes from another subgraph's representation, not from a validated argument.
    if (!HOSTNAME_PATTERN.test(site.domain)) {
      throw new BadUserInputError("domain", "CdnSite.domain must be a hostname such as www.example.com");
    }
    return listPrefetchTasks(ctx, args, site.domain);
  }
}
