import type { Logger } from "pino";
import type { UpstreamError } from "../../errors/app-error";
import type { OperationScope } from "../../http/operation-scope";
import type { CallOutcome, UpstreamHttp, UpstreamResponse } from "../../http/upstream-http";
import { upstreamStatusError } from "../../http/upstream-status";
import type { TimeWindow } from "../provider";
import { readErrorBody } from "../shared/json-reader";
import { isoSeconds } from "../shared/timestamp";
import type { WangsuCdnProSigner } from "./auth";
import {
  ERROR_REQUEST_ID_KEYS,
  PROVIDER,
  parsePrefetchDetail,
  parsePrefetchList,
  type WangsuPrefetchDetailDto,
  type WangsuPrefetchListDto,
} from "./dto";

/** The list endpoint's documented maximum `limit`. */
export const MAX_LIST_LIMIT = 200;

export interface WangsuCdnProClientOptions {
  readonly account: string;
  readonly http: UpstreamHttp;
  readonly signer: WangsuCdnProSigner;
  readonly logger: Logger;
}

/**
 * Wangsu CDN Pro's prefetch endpoints, one method each, returning narrowed DTOs. Every call goes through
 * UpstreamHttp (budget, retries, transport errors); this class turns HTTP statuses into outcomes.
 */
export class WangsuCdnProClient {
  constructor(private readonly options: WangsuCdnProClientOptions) {}

  lastOutcome(): CallOutcome | null {
    return this.options.http.lastOutcome;
  }

  /** GET /cdn/prefetches/{id}: the request's file list and status; null where Wangsu does not know the id. */
  async getPrefetch(args: {
    readonly id: string;
    readonly scope?: OperationScope | undefined;
  }): Promise<WangsuPrefetchDetailDto | null> {
    // encodeURIComponent leaves "." alone: "/cdn/prefetches/.." would name another resource. No task has that id.
    if (args.id === "." || args.id === "..") return null;
    const res = await this.get(`/cdn/prefetches/${encodeURIComponent(args.id)}`, args.scope);
    // Documented as 404 InvalidPrefetchTaskId. Any 404 is read as "no such id": an unknown id is an answer,
    // not a failure of the upstream.
    if (res.statusCode === 404) {
      this.options.http.recordOutcome(true);
      return null;
    }
    return this.options.http.readJson(res, {
      narrow: (body) => parsePrefetchDetail(body, this.options.account),
      statusError: (r) => this.statusError(r, args.scope),
    });
  }

  /**
   * GET /cdn/prefetches: one offset page of the requests submitted in a window, newest first.
   * The method and path are UNCONFIRMED (the stored doc excerpt omits them); they are inferred from the REST
   * layout, where creating a request POSTs to the same path. `search` matches name, id or hostname as substrings.
   */
  async listPrefetches(args: {
    readonly window: TimeWindow;
    readonly offset: number;
    readonly limit: number;
    readonly search?: string;
    readonly scope?: OperationScope | undefined;
  }): Promise<WangsuPrefetchListDto> {
    if (!Number.isSafeInteger(args.offset) || args.offset < 0)
      throw new RangeError("offset must be an integer ≥ 0");
    if (!Number.isSafeInteger(args.limit) || args.limit < 1 || args.limit > MAX_LIST_LIMIT) {
      throw new RangeError(`limit must be an integer in 1..${MAX_LIST_LIMIT}`);
    }
    const params: Array<[string, string]> = [
      // RFC 3339 without milliseconds (e.g. 2021-03-01T01:00:00Z); windows are whole seconds (ListQuery.window).
      // Whether `enddate` is inclusive upstream is UNCONFIRMED.
      ["startdate", isoSeconds(args.window.start)],
      ["enddate", isoSeconds(args.window.end)],
      ["offset", String(args.offset)],
      ["limit", String(args.limit)],
      // submissionTime descending is the documented default; asked for explicitly so that offsets stay stable.
      ["sortBy", "submissionTime"],
      ["sortOrder", "desc"],
    ];
    if (args.search !== undefined) params.push(["search", args.search]);
    const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
    const res = await this.get(`/cdn/prefetches?${query}`, args.scope);
    return this.options.http.readJson(res, {
      narrow: (body) => parsePrefetchList(body, this.options.account),
      statusError: (r) => this.statusError(r, args.scope),
    });
  }

  private get(path: string, scope: OperationScope | undefined): Promise<UpstreamResponse> {
    return this.options.http.request({
      method: "GET",
      path,
      headers: () => ({ ...this.options.signer.headers(), Accept: "application/json" }),
      scope,
    });
  }

  private statusError(res: UpstreamResponse, scope: OperationScope | undefined): UpstreamError {
    const body = readErrorBody(res.text, ERROR_REQUEST_ID_KEYS);
    // The upstream's own message is logged, not echoed to clients: it is free text we do not control.
    this.options.logger.warn(
      {
        ...scope?.logFields,
        status: res.statusCode,
        upstreamCode: body.code,
        upstreamMessage: body.message?.slice(0, 300),
      },
      "upstream error status",
    );
    return upstreamStatusError(res, {
      provider: PROVIDER,
      account: this.options.account,
      providerCode: body.code,
      requestId: body.requestId,
      message: null,
    });
  }
}
