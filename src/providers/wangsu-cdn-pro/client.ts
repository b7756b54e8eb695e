import type { Logger } from "pino";
import { UpstreamError } from "../../errors/app-error";
import { type CallOutcome, type UpstreamHttp, type UpstreamResponse } from "../../http/upstream-http";
import type { TimeWindow } from "../provider";
import type { WangsuCdnProSigner } from "./auth";
import {
  PROVIDER,
  PROVIDER_LABEL,
  parseErrorBody,
  parsePrefetchDetail,
  parsePrefetchList,
  type WangsuPrefetchDetailDto,
  type WangsuPrefetchListDto,
} from "./dto";
import { upstreamStatusError } from "../../http/upstream-status";

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
  async getPrefetch(args: { readonly id: string }): Promise<WangsuPrefetchDetailDto | null> {
    // encodeURIComponent leaves "." alone: "/cdn/prefetches/.." would name another resource. No task has that id.
    if (args.id === "." || args.id === "..") return null;
    const res = await this.get(`/cdn/prefetches/${encodeURIComponent(args.id)}`);
    // Documented as 404 InvalidPrefetchTaskId. Any 404 is read as "no such id": an unknown id is an answer,
    // not a failure of the upstream.
    if (res.statusCode === 404) {
      this.options.http.recordOutcome(true);
      return null;
    }
    return this.success(res, (body) => parsePrefetchDetail(body, this.options.account));
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
  }): Promise<WangsuPrefetchListDto> {
    if (!Number.isSafeInteger(args.offset) || args.offset < 0)
      throw new RangeError("offset must be an integer ≥ 0");
    if (!Number.isSafeInteger(args.limit) || args.limit < 1 || args.limit > MAX_LIST_LIMIT) {
      throw new RangeError(`limit must be an integer in 1..${MAX_LIST_LIMIT}`);
    }
    const params: Array<[string, string]> = [
      ["startdate", rfc3339Seconds(args.window.start, "ceil")],
      ["enddate", rfc3339Seconds(args.window.end, "floor")],
      ["offset", String(args.offset)],
      ["limit", String(args.limit)],
      // submissionTime descending is the documented default; asked for explicitly so that offsets stay stable.
      ["sortBy", "submissionTime"],
      ["sortOrder", "desc"],
    ];
    if (args.search !== undefined) params.push(["search", args.search]);
    const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
    const res = await this.get(`/cdn/prefetches?${query}`);
    return this.success(res, (body) => parsePrefetchList(body, this.options.account));
  }

  private get(path: string): Promise<UpstreamResponse> {
    return this.options.http.request({
      method: "GET",
      path,
      headers: () => ({ ...this.options.signer.headers(), Accept: "application/json" }),
    });
  }

  /** A 2xx body narrowed, or the UpstreamError its status means. Records the outcome either way. */
  private success<T>(res: UpstreamResponse, narrow: (body: unknown) => T): T {
    if (res.statusCode < 200 || res.statusCode >= 300) throw this.fail(this.statusError(res));
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch (cause) {
      throw this.fail(
        new UpstreamError(
          "UPSTREAM_BAD_RESPONSE",
          `${PROVIDER_LABEL} answered HTTP ${res.statusCode} with a body that is not JSON.`,
          { ...this.upstream(), httpStatus: res.statusCode },
          { cause },
        ),
      );
    }
    try {
      const dto = narrow(body);
      this.options.http.recordOutcome(true);
      return dto;
    } catch (err) {
      throw this.fail(err);
    }
  }

  private fail(err: unknown): Error {
    this.options.http.recordOutcome(false, err instanceof UpstreamError ? err.code : undefined);
    return err instanceof Error ? err : new Error(String(err));
  }

  private statusError(res: UpstreamResponse): UpstreamError {
    const body = parseErrorBody(res.text);
    // The upstream's own message is logged, not echoed to clients: it is free text we do not control.
    this.options.logger.warn(
      { status: res.statusCode, upstreamCode: body?.code, upstreamMessage: body?.message?.slice(0, 300) },
      "upstream error status",
    );
    return upstreamStatusError(res, {
      provider: PROVIDER,
      account: this.options.account,
      providerCode: body?.code ?? null,
      requestId: body?.requestId ?? null,
      message: null,
    });
  }

  private upstream(): { provider: string; account: string } {
    return { provider: PROVIDER, account: this.options.account };
  }
}

/**
 * RFC 3339 UTC without milliseconds, as the list endpoint takes it (e.g. 2021-03-01T01:00:00Z). Wangsu's timestamps
 * have whole seconds, so rounding the window's start up and its end down selects exactly the instants inside the
 * closed millisecond window, and adjacent windows neither overlap nor leave a gap. Whether `enddate` is inclusive
 * upstream is UNCONFIRMED.
 */
export function rfc3339Seconds(at: Date, round: "ceil" | "floor"): string {
  const ms = at.getTime();
  const seconds = round === "ceil" ? Math.ceil(ms / 1000) : Math.floor(ms / 1000);
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
