import { ProviderKind } from "../../domain/provider-kind";
import type { UpstreamError } from "../../errors/app-error";
import type { OperationScope } from "../../http/operation-scope";
import { headerValue, type UpstreamHttp, type UpstreamResponse } from "../../http/upstream-http";
import { upstreamStatusError } from "../../http/upstream-status";
import type { TimeWindow } from "../provider";
import { readErrorBody } from "../shared/json-reader";
import { isoSeconds } from "../shared/timestamp";
import {
  canonicalQueryString,
  redactCredentials,
  signRequest,
  type BceCredentials,
  type QueryParams,
} from "./auth";
import { parseListResponse, type BaiduListDto } from "./dto";

export const PREFETCH_STATUS_PATH = "/v2/geo/cache/prefetch";

/** Where Baidu puts its request id when the body does not carry one. */
const REQUEST_ID_HEADER = "x-bce-request-id";

/** Provider codes that mean "these credentials or this signature are not accepted", whatever the status. */
const AUTH_CODES: ReadonlySet<string> = new Set([
  "SignatureDoesNotMatch",
  "InvalidAccessKeyId",
  "AccessDenied",
  "RequestExpired",
  "InvalidHTTPAuthHeader",
]);

export interface BaiduGeoClientOptions {
  readonly http: UpstreamHttp;
  readonly account: string;
  readonly credentials: BceCredentials;
  /** host[:port] of the endpoint, sent as Host and signed: Baidu verifies the Host it received. */
  readonly host: string;
  /** The signing clock; tests may pin it. */
  readonly now?: () => Date;
}

/** One method per upstream use of GET /v2/geo/cache/prefetch (https://cloud.baidu.com/doc/GEO/s/Bmhsv5i9u). */
export class BaiduGeoClient {
  private readonly now: () => Date;

  constructor(private readonly options: BaiduGeoClientOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * One page (at most 100 records) of a site's window. Baidu requires the same startTime and endTime on every
   * call that carries a marker, so both are always sent. Windows arrive in whole seconds (ListQuery.window),
   * which is all Baidu's timestamps can express.
   */
  async listPage(args: {
    site: string;
    window: TimeWindow;
    marker?: string | null;
    scope?: OperationScope | undefined;
  }): Promise<BaiduListDto> {
    const query: Record<string, string> = {
      site: args.site,
      startTime: isoSeconds(args.window.start),
      endTime: isoSeconds(args.window.end),
    };
    if (args.marker !== undefined && args.marker !== null) query.marker = args.marker;
    return this.get(query, args.scope);
  }

  /** Every record of one task id. Baidu takes no time range and no marker with an id. */
  async getById(args: {
    site: string;
    id: string;
    scope?: OperationScope | undefined;
  }): Promise<BaiduListDto> {
    return this.get({ site: args.site, id: args.id }, args.scope);
  }

  private async get(query: QueryParams, scope: OperationScope | undefined): Promise<BaiduListDto> {
    const queryString = canonicalQueryString(query);
    const response = await this.options.http.request({
      method: "GET",
      path: `${PREFETCH_STATUS_PATH}?${queryString}`,
      // Per attempt: the signature covers x-bce-date, and Baidu rejects it 30 minutes later.
      headers: () => this.signedHeaders(query),
      scope,
    });
    return this.options.http.readJson(response, {
      narrow: (body) => parseListResponse(body, this.options.account),
      statusError: (res) => this.statusError(res),
      requestIdHeader: REQUEST_ID_HEADER,
    });
  }

  private signedHeaders(query: QueryParams): Record<string, string> {
    const timestamp = this.now();
    const signed = { host: this.options.host, "x-bce-date": isoSeconds(timestamp) };
    const authorization = signRequest({
      method: "GET",
      path: PREFETCH_STATUS_PATH,
      query,
      headers: signed,
      credentials: this.options.credentials,
      timestamp,
      // The minimum Baidu recommends; x-bce-date is signed as an x-bce-* header.
      headersToSign: ["host"],
    });
    return { ...signed, accept: "application/json", authorization };
  }

  private statusError(response: UpstreamResponse): UpstreamError {
    const body = readErrorBody(response.text);
    return upstreamStatusError(response, {
      provider: ProviderKind.BAIDU_GEO,
      account: this.options.account,
      providerCode: body.code,
      requestId: body.requestId ?? headerValue(response.headers, REQUEST_ID_HEADER) ?? null,
      message: body.message === null ? null : this.quote(body.message),
      // SignatureDoesNotMatch and RequestExpired come with an unconfirmed status (likely 400), hence the codes.
      authCodes: AUTH_CODES,
    });
  }

  /** Upstream text in our messages: bounded, and without the account's keys. */
  private quote(text: string): string {
    const clean = redactCredentials(text, this.options.credentials);
    return clean.length > 300 ? `${clean.slice(0, 297)}...` : clean;
  }
}
