import type { PrefetchTask, TaskRef } from "../../domain/prefetch-task";
import { ProviderKind, providerDisplayName } from "../../domain/provider-kind";
import { BadUserInputError, UpstreamError } from "../../errors/app-error";
import type { OperationScope } from "../../http/operation-scope";
import { UpstreamHttp, type CallOutcome, type RetryPolicy } from "../../http/upstream-http";
import type {
  AccountSpec,
  ListPage,
  ListQuery,
  PrefetchProvider,
  ProviderAccountInfo,
  ProviderCapabilities,
  ProviderDeps,
  ProviderModule,
} from "../provider";
import { BaiduGeoClient } from "./client";
import { BaiduGeoCredentials } from "./credentials";
import type { BaiduListDto, PrefetchStatusDto } from "./dto";
import { nextMarker, pickRecord, submissionLookupError, toListPage, toPrefetchTask } from "./mapper";
import { PrefetchStatus } from "../../domain/prefetch-status";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Pages of one fallback listing before it gives up: a submission holds at most 1000 URLs (10 pages), so two
 * seconds of a site's records fill this only when Baidu keeps sending markers.
 */
const MAX_FALLBACK_PAGES = 30;

export const BAIDU_GEO_CAPABILITIES: ProviderCapabilities = {
  pageSize: 100, // "每次最多返回100条记录"
  maxWindowMs: 30 * DAY_MS, // endTime − startTime is at most 30 days
  // The GEO document does not say in which order records come: the order is learnt per account from the rows
  // (src/pagination/list-order.ts). The first guess is newest first, as in the one multi-record listing Baidu
  // documents (the CDN-abroad record list); a wrong guess costs one call per account and process.
  order: "desc",
  orderDocumented: false,
  siteRequired: true,
  listRowsComplete: true,
  // waiting, in-progress, completed, failed: Baidu has no partial outcome per record.
  statuses: [
    PrefetchStatus.WAITING,
    PrefetchStatus.IN_PROGRESS,
    PrefetchStatus.COMPLETED,
    PrefetchStatus.FAILED,
  ],
};

export class BaiduGeoProvider implements PrefetchProvider {
  readonly kind = ProviderKind.BAIDU_GEO;
  readonly capabilities = BAIDU_GEO_CAPABILITIES;

  constructor(
    readonly account: ProviderAccountInfo,
    private readonly client: BaiduGeoClient,
    private readonly http: UpstreamHttp,
  ) {}

  async listPage(query: ListQuery, pageToken: string | null, scope?: OperationScope): Promise<ListPage> {
    if (query.site === null) throw siteRequired();
    const dto = await this.client.listPage({
      site: query.site,
      window: query.window,
      marker: pageToken,
      scope,
    });
    return toListPage(dto, { account: this.account.name, site: query.site, observedAt: new Date() });
  }

  async getTasks(
    refs: readonly TaskRef[],
    scope?: OperationScope,
  ): Promise<ReadonlyArray<PrefetchTask | null | Error>> {
    // Baidu has no batch lookup: one call per ref, bounded per account by UpstreamHttp. Fallback listings are
    // shared within the batch: the records of one submission, created in the same second, cost one listing.
    const seconds = new Map<string, Promise<BaiduListDto>>();
    const listSecond: SecondListing = (site, createdAt) => {
      const start = Math.floor(createdAt.getTime() / 1000) * 1000;
      const key = `${start} ${site}`;
      let listing = seconds.get(key);
      if (listing === undefined) seconds.set(key, (listing = this.listSecond(site, new Date(start), scope)));
      return listing;
    };
    return Promise.all(
      refs.map(async (ref) => {
        try {
          return await this.getTask(ref, listSecond, scope);
        } catch (error) {
          return error instanceof Error ? error : new Error(String(error));
        }
      }),
    );
  }

  lastOutcome(): CallOutcome | null {
    return this.http.lastOutcome;
  }

  private async getTask(
    ref: TaskRef,
    listSecond: SecondListing,
    scope: OperationScope | undefined,
  ): Promise<PrefetchTask | null> {
    if (ref.provider !== this.kind || ref.account !== this.account.name) {
      // A loader keyed wrongly: a bug on our side, masked as an internal error.
      throw new Error(`ref of ${ref.provider}/${ref.account} sent to ${this.kind}/${this.account.name}`);
    }
    if (ref.site === null) throw siteRequired();
    // Baidu documents `id` as the submission's id ("预热任务 id", which the submit call returns) and answers it
    // with every record of the submission; a task here is one of those records, whose own id ("单个 url 的任务ID")
    // is what a ref carries. UNCONFIRMED: whether `id` takes a per-URL id too. It is asked first (one call, and
    // the only way to find a task whose creation time is unknown); where it finds nothing, the createdAt hint a
    // global id carries leads to the record through a listing of the second it was created in.
    const dto = await this.client.getById({ site: ref.site, id: ref.taskId, scope });
    const record = pickRecord(dto, ref.taskId);
    const context = { account: this.account.name, site: ref.site, observedAt: new Date() };
    if (record !== null) return toPrefetchTask(record, context);
    if (ref.createdAt) {
      const listed = pickRecord(await listSecond(ref.site, ref.createdAt), ref.taskId);
      return listed === null ? null : toPrefetchTask(listed, { ...context, observedAt: new Date() });
    }
    // Records, none of them the id asked for: the id is a submission's, with several URL records (tasks).
    if (dto.details.length > 0) throw submissionLookupError(ref.taskId, dto.details);
    return null;
  }

  /**
   * Every record a site's listing shows for the second starting at `start`, markers followed (normally one
   * page). The window reaches one second further, so that it holds the second's records whether Baidu's endTime
   * is inclusive (as assumed elsewhere) or not, and whatever fraction of a second Baidu stored.
   */
  private async listSecond(
    site: string,
    start: Date,
    scope: OperationScope | undefined,
  ): Promise<BaiduListDto> {
    const context = { account: this.account.name, site };
    const window = { start, end: new Date(start.getTime() + 1000) };
    const details: PrefetchStatusDto[] = [];
    let marker: string | null = null;
    for (let pages = 0; pages < MAX_FALLBACK_PAGES; pages++) {
      const dto = await this.client.listPage({ site, window, marker, scope });
      details.push(...dto.details);
      marker = nextMarker(dto, context);
      if (marker === null) return { details, isTruncated: false, nextMarker: null };
    }
    throw new UpstreamError(
      "UPSTREAM_BAD_RESPONSE",
      `${providerDisplayName(this.kind)} kept paging two seconds of ${site}'s records past ${MAX_FALLBACK_PAGES} pages.`,
      { provider: this.kind, account: this.account.name },
    );
  }
}

/** The records of one second of a site, listed at most once per lookup batch. */
type SecondListing = (site: string, createdAt: Date) => Promise<BaiduListDto>;

function siteRequired(): BadUserInputError {
  return new BadUserInputError(
    "site",
    `${providerDisplayName(ProviderKind.BAIDU_GEO)} looks prefetch tasks up by site: pass a site.`,
  );
}

/** Knobs the registry leaves at their defaults; tests shorten retries and pin the signing clock. */
export interface BaiduGeoProviderOptions {
  readonly retry?: RetryPolicy;
  readonly now?: () => Date;
}

export function createBaiduGeoProvider(
  account: AccountSpec<BaiduGeoCredentials>,
  deps: ProviderDeps,
  options: BaiduGeoProviderOptions = {},
): BaiduGeoProvider {
  // Only the origin is used: the API path is absolute, so a path in the configured endpoint is ignored.
  const url = new URL(account.endpoint);
  const http = new UpstreamHttp({
    provider: ProviderKind.BAIDU_GEO,
    account: account.name,
    origin: url.origin,
    dispatcher: deps.dispatcherFor(url.origin),
    logger: deps.logger,
    budget: deps.budget,
    observer: deps.upstreamObserver,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
  });
  const client = new BaiduGeoClient({
    http,
    account: account.name,
    credentials: account.credentials,
    host: url.host, // includes a non-default port, which Baidu's signature check sees in Host
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const info: ProviderAccountInfo = {
    name: account.name,
    provider: ProviderKind.BAIDU_GEO,
    endpoint: url.origin,
    sandbox: account.sandbox,
  };
  return new BaiduGeoProvider(info, client, http);
}

export const baiduGeoModule: ProviderModule<BaiduGeoCredentials> = {
  kind: ProviderKind.BAIDU_GEO,
  capabilities: BAIDU_GEO_CAPABILITIES,
  defaultEndpoint: "https://geo.baidubce.com",
  credentialsClass: BaiduGeoCredentials,
  env: {
    endpoint: "BAIDU_GEO_ENDPOINT",
    credentials: { accessKeyId: "BAIDU_GEO_ACCESS_KEY_ID", secretAccessKey: "BAIDU_GEO_SECRET_ACCESS_KEY" },
  },
  // Baidu documents a daily URL quota for GEO submits but no call rate for the status query.
  defaultRateLimit: null,
  create: (account, deps) => createBaiduGeoProvider(account, deps),
};
