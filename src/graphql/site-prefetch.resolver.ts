import { responsePathAsArray, type GraphQLResolveInfo } from "graphql";
import { Args, Ctx, Directive, Info, Query, Resolver } from "type-graphql";
import { feedSources } from "../access/feed-sources";
import type { Context } from "../context";
import type { PrefetchTask } from "../domain/prefetch-task";
import { providerDisplayName } from "../domain/provider-kind";
import { AppError } from "../errors/app-error";
import { reportFieldError } from "../errors/field-errors.plugin";
import { errorForLog } from "../log-fields";
import type { SiteConnection } from "../pagination/merged-feed";
import type { PrefetchProvider } from "../providers/provider";
import { CONNECTION_SIZE, UPSTREAM_CALL } from "./demand-control";
import { PrefetchConnectionType } from "./prefetch-connection.type";
import { pageRequest } from "./prefetch-tasks.args";
import { type SiteFeedArgs, SiteFeedQueryArgs } from "./site-prefetch-tasks.args";

/** What Query.sitePrefetchTasks and CdnSite.allPrefetchTasks say of themselves, beside their first sentence. */
export const SITE_FEED_DESCRIPTION = [
  "Newest first by createdAt; tasks created in the same second are ordered by provider, then account, then task id, each descending (WANGSU_CDN_PRO before BAIDU_GEO; strings by code units): exactly the reverse of sorting by (createdAt, provider, account, taskId). A task without createdAt counts as created when the task its provider listed before it was.",
  "One cursor carries every account's position; each account is read only as far as the page needs, and not at all where its next task is older than the page reaches. An account known to list newest first costs one call per provider page; one that lists oldest first, or whose order is not known yet (Baidu until it is learnt), is read in sub-windows from the window's end back, normally one call each (docs/site-feed.md in the repository gives the rules and worst cases).",
  "An account that fails leaves the page to the others: the page comes back with their tasks, an error at this field names the failed provider and account (extensions.code, provider, account), sources says which accounts are complete, and endCursor resumes the failed account where it stopped.",
  "Same window, status, first and after rules and errors as prefetchTasks; a bad cursor is INVALID_CURSOR before any upstream call.",
].join(" ");

/**
 * One page of a site's merged feed; the site comes from an argument or from a CdnSite entity. The accounts are
 * chosen (and refused) before any upstream call (feedSources); a failed account's error is reported at the
 * field, beside the page (field-errors.plugin.ts).
 */
export async function listSiteFeed(
  ctx: Context,
  args: SiteFeedArgs,
  site: string,
  info: GraphQLResolveInfo,
): Promise<SiteConnection> {
  const sources = feedSources(ctx.registry, ctx.access, {
    site,
    providers: args.providers ?? null,
    accounts: args.accounts ?? null,
  });
  const orders = ctx.paging.orders;
  const conn = await asListing(ctx, sources, (onRows) =>
    ctx.sitePaging.page({
      sources,
      site,
      ...pageRequest(args, ctx),
      // Only an order documented or learnt decides how a source is read, never the first guess.
      orderOf: (provider) => (orders.known(provider) ? orders.direction(provider) : null),
      onPage: (provider, rows) => {
        onRows(rows);
        orders.observe(provider, rows);
      },
    }),
  );
  const path = responsePathAsArray(info.path);
  for (const source of conn.sources) {
    if (source.error === null) continue;
    const { provider, account } = source;
    const fields = { provider, account, errorCode: source.errorCode };
    if (source.error instanceof AppError) ctx.logger.warn(fields, "an account of a site's feed failed");
    else ctx.logger.error({ ...fields, err: errorForLog(source.error) }, "unexpected error (masked)");
    reportFieldError(ctx, path, sourceError(provider, account, source.error));
  }
  return conn;
}

/**
 * The merged page run as a listing of each of its accounts (Loaders.listing), so that lookups by id in the same
 * operation wait for, and use, the rows it lists.
 */
function asListing<T>(
  ctx: Context,
  sources: readonly PrefetchProvider[],
  run: (onRows: (rows: readonly PrefetchTask[]) => void) => Promise<T>,
): Promise<T> {
  // Each listing hands its own row callback (the operation's ledger) to what it runs: the innermost gets it.
  let wrapped = run;
  for (const provider of sources) {
    const inner = wrapped;
    wrapped = () => ctx.loaders.listing(provider, inner);
  }
  return wrapped(() => undefined);
}

/** The error at the field: which account failed and why, with the failure's own code and safe extensions. */
function sourceError(provider: string, account: string, error: Error): Error {
  if (!(error instanceof AppError)) return error; // masked as INTERNAL_SERVER_ERROR, logged above
  return new AppError(
    error.code,
    `${providerDisplayName(provider)} account "${account}" failed, so its tasks are missing from this page (see sources); endCursor resumes it where it stopped. ${error.message}`,
    { ...error.extensions, provider, account },
    { cause: error },
  );
}

@Resolver()
export class SitePrefetchResolver {
  @Directive(UPSTREAM_CALL)
  @Directive(CONNECTION_SIZE)
  @Query(() => PrefetchConnectionType, {
    description: `One site's prefetch tasks across every provider account that serves it (or those named by providers and accounts; with API keys, those the key may read the site of), as one connection. ${SITE_FEED_DESCRIPTION}`,
  })
  async sitePrefetchTasks(
    @Args(() => SiteFeedQueryArgs) args: SiteFeedQueryArgs,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<SiteConnection> {
    return listSiteFeed(ctx, args, args.site, info);
  }
}
