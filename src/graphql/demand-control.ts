import { MAX_MERGE_SOURCES } from "../pagination/merge-cursor";
import { DEFAULT_FIRST, MAX_IDS } from "./prefetch-tasks.args";

/**
 * Demand control (Federation 2.9's @cost and @listSize): what a router (Apollo Router, Hive Router, Grafbase)
 * needs to price an operation on this subgraph before it runs it. The weights follow the one thing that is
 * scarce here, upstream calls; lists are sized by the argument that slices them, or by what bounds them.
 * The service's own limits (README, "Spending a provider's call budget") still apply to what a router lets
 * through: these directives only let it refuse sooner, and price operations across subgraphs alike.
 */

/** A field that may cost an upstream call: priced like ten objects of work. */
export const UPSTREAM_CALL = "@cost(weight: 10)";

/**
 * A connection: `first` slices it (the default page where a client gives none), and its size is that of
 * `edges` and `nodes`.
 */
export const CONNECTION_SIZE = `@listSize(slicingArguments: ["first"], sizedFields: ["edges", "nodes"], assumedSize: ${DEFAULT_FIRST}, requireOneSlicingArgument: false)`;

/** A list bounded by its input: at most MAX_IDS ids. */
export const BY_IDS_SIZE = `@listSize(assumedSize: ${MAX_IDS})`;

/**
 * Lists no argument bounds, priced by an estimate a router's own configuration may override: a task's URLs
 * (one per Baidu record; Wangsu documents no bound for a submission), request headers of a URL, continents,
 * configured accounts.
 */
export const URLS_SIZE = "@listSize(assumedSize: 10)";
export const HEADERS_SIZE = "@listSize(assumedSize: 5)";
export const REGIONS_SIZE = "@listSize(assumedSize: 7)";
export const ACCOUNTS_SIZE = "@listSize(assumedSize: 10)";

/** The accounts a connection page was read from: at most MAX_MERGE_SOURCES (a site's merged feed). */
export const SOURCES_SIZE = `@listSize(assumedSize: ${MAX_MERGE_SOURCES})`;
