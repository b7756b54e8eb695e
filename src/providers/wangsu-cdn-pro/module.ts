import type { PrefetchTask, TaskRef } from "../../domain/prefetch-task";
import { providerDisplayName } from "../../domain/provider-kind";
import { InvalidCursorError } from "../../errors/app-error";
import type { OperationScope } from "../../http/operation-scope";
import { UpstreamHttp, type CallOutcome } from "../../http/upstream-http";
import type {
  ListPage,
  RowCompletion,
  ListQuery,
  PrefetchProvider,
  ProviderAccountInfo,
  ProviderCapabilities,
  ProviderModule,
} from "../provider";
import { WangsuCdnProSigner } from "./auth";
import { WangsuCdnProClient } from "./client";
import { WangsuCdnProCredentials } from "./credentials";
import { PROVIDER } from "./dto";
import { completeRowFrom, mapPrefetchDetail, mapPrefetchRow, sameSubmission } from "./mapper";
import { PrefetchStatus } from "../../domain/prefetch-status";

const DAY_MS = 24 * 60 * 60 * 1000;

export const WANGSU_CDN_PRO_CAPABILITIES: ProviderCapabilities = {
  // The list endpoint's documented maximum limit.
  pageSize: 200,
  // Wangsu documents no maximum span for startdate..enddate; 30 days is a conservative bound (UNCONFIRMED),
  // the paging engine splits longer windows.
  maxWindowMs: 30 * DAY_MS,
  // submissionTime descending is the documented default; the client also asks for it explicitly.
  order: "desc",
  orderDocumented: true,
  // Ids are global to the Wangsu user; a site only narrows a listing.
  siteRequired: false,
  // List rows have no fileList, regions, webhook or startTime.
  listRowsComplete: false,
  statuses: Object.values(PrefetchStatus),
};

export class WangsuCdnProProvider implements PrefetchProvider {
  readonly kind = PROVIDER;
  readonly capabilities = WANGSU_CDN_PRO_CAPABILITIES;
  /** A list row lacks only what was submitted: an earlier lookup completes it (mapper.ts, completeRowFrom). */
  readonly rowCompletion: RowCompletion = { complete: completeRowFrom, sameInputs: sameSubmission };

  constructor(
    readonly account: ProviderAccountInfo,
    private readonly client: WangsuCdnProClient,
  ) {}

  /**
   * One offset page. The page token is the decimal upstream offset. With a site, Wangsu's `search` (a substring
   * match on name, id or hostname) narrows the call and rows are then kept only where `hostnames` names the site
   * exactly; a page may therefore hold fewer rows than the page size, or none, and still have a next page.
   */
  async listPage(query: ListQuery, pageToken: string | null, scope?: OperationScope): Promise<ListPage> {
    const offset = parsePageToken(pageToken);
    const limit = this.capabilities.pageSize;
    // Hostnames are case-insensitive; Wangsu reports them lower-case.
    const site = query.site === null ? null : query.site.toLowerCase();
    const page = await this.client.listPrefetches({
      window: query.window,
      offset,
      limit,
      ...(site !== null && { search: site }),
      scope,
    });
    const rows =
      site === null
        ? page.prefetchRequests
        : page.prefetchRequests.filter((row) => (row.hostnames ?? []).some((h) => h.toLowerCase() === site));
    const observedAt = new Date();
    return {
      tasks: rows.map((row) => mapPrefetchRow(row, { account: this.account.name, observedAt })),
      nextPageToken: offset + limit < page.count ? String(offset + limit) : null,
    };
  }

  async getTasks(
    refs: readonly TaskRef[],
    scope?: OperationScope,
  ): Promise<ReadonlyArray<PrefetchTask | null | Error>> {
    const ids = [...new Set(refs.filter((ref) => this.owns(ref)).map((ref) => ref.taskId))];
    // One detail call per distinct id; UpstreamHttp bounds the calls in flight per account.
    const found = await Promise.all(ids.map((id) => this.getTask(id, scope)));
    const results = new Map(ids.map((id, i) => [id, found[i] ?? null]));
    return refs.map((ref) =>
      this.owns(ref)
        ? (results.get(ref.taskId) ?? null)
        : new Error(`A ${ref.provider}/${ref.account} task was routed to ${PROVIDER}/${this.account.name}.`),
    );
  }

  lastOutcome(): CallOutcome | null {
    return this.client.lastOutcome();
  }

  private async getTask(id: string, scope: OperationScope | undefined): Promise<PrefetchTask | null | Error> {
    try {
      const dto = await this.client.getPrefetch({ id, scope });
      return dto === null
        ? null
        : mapPrefetchDetail(dto, { account: this.account.name, requestedId: id, observedAt: new Date() });
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  private owns(ref: TaskRef): boolean {
    return ref.provider === PROVIDER && ref.account === this.account.name;
  }
}

/** The upstream offset a page token stands for; tokens come from signed cursors, so a bad one is a stale cursor. */
function parsePageToken(token: string | null): number {
  if (token === null) return 0;
  const offset = /^\d{1,15}$/.test(token) ? Number(token) : NaN;
  if (!Number.isSafeInteger(offset))
    throw new InvalidCursorError(`its ${providerDisplayName(PROVIDER)} page offset is not a number`);
  return offset;
}

export const wangsuCdnProModule: ProviderModule<WangsuCdnProCredentials> = {
  kind: PROVIDER,
  capabilities: WANGSU_CDN_PRO_CAPABILITIES,
  defaultEndpoint: "https://open.chinanetcenter.com",
  credentialsClass: WangsuCdnProCredentials,
  env: {
    endpoint: "WANGSU_CDNPRO_ENDPOINT",
    credentials: { username: "WANGSU_CDNPRO_USERNAME", apiKey: "WANGSU_CDNPRO_API_KEY" },
  },
  // Documented on the detail API: 300 calls per 5 minutes per user.
  defaultRateLimit: { points: 300, durationSeconds: 300 },
  create(account, deps) {
    const endpoint = new URL(account.endpoint);
    const http = new UpstreamHttp({
      provider: PROVIDER,
      account: account.name,
      origin: endpoint.origin,
      dispatcher: deps.dispatcherFor(endpoint.origin),
      logger: deps.logger,
      budget: deps.budget,
      observer: deps.upstreamObserver,
    });
    const client = new WangsuCdnProClient({
      account: account.name,
      http,
      signer: new WangsuCdnProSigner(account.credentials),
      logger: deps.logger.child({ provider: PROVIDER, account: account.name }),
    });
    return new WangsuCdnProProvider(
      { name: account.name, provider: PROVIDER, endpoint: endpoint.origin, sandbox: account.sandbox },
      client,
    );
  },
};
