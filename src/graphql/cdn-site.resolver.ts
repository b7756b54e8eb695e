import type { GraphQLResolveInfo } from "graphql";
import { Args, Ctx, Directive, FieldResolver, Info, Resolver, Root } from "type-graphql";
import type { Context } from "../context";
import { BadUserInputError } from "../errors/app-error";
import type { PrefetchConnection } from "../pagination/paging-engine";
import { CdnSiteType } from "./cdn-site.type";
import { CONNECTION_SIZE, UPSTREAM_CALL } from "./demand-control";
import { PrefetchConnectionType } from "./prefetch-connection.type";
import { listPrefetchTasks } from "./prefetch.resolver";
import { SitePrefetchTasksArgs } from "./prefetch-tasks.args";
import { listSiteFeed, SITE_FEED_DESCRIPTION } from "./site-prefetch.resolver";
import { SiteFeedArgs } from "./site-prefetch-tasks.args";
import type { SiteConnection } from "../pagination/merged-feed";
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

  @Directive(UPSTREAM_CALL)
  @Directive(CONNECTION_SIZE)
  @FieldResolver(() => PrefetchConnectionType, {
    nullable: true,
    description: `This site's prefetch tasks across every provider account that serves it (or those named by providers and accounts), as one connection: Query.sitePrefetchTasks with the site taken from the entity. ${SITE_FEED_DESCRIPTION}`,
  })
  allPrefetchTasks(
    @Root() site: CdnSiteType,
    @Args(() => SiteFeedArgs) args: SiteFeedArgs,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<SiteConnection> {
    if (!HOSTNAME_PATTERN.test(site.domain)) {
      throw new BadUserInputError("domain", "CdnSite.domain must be a hostname such as www.example.com");
    }
    return listSiteFeed(ctx, args, site.domain, info);
  }
}
