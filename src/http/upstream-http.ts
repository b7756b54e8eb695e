import { setTimeout as sleep } from "node:timers/promises";
import { errors as undiciErrors, type Dispatcher } from "undici";
import type { Logger } from "pino";
import { providerDisplayName } from "../domain/provider-kind";
import { AppError, UpstreamError } from "../errors/app-error";
import { ConcurrencyLimit } from "./concurrency-limit";
import {
  abortedError,
  OperationAbandonedError,
  OperationDeadlineError,
  type OperationScope,
} from "./operation-scope";
import { UNLIMITED_BUDGET, type BudgetGrant, type RateBudget } from "./rate-budget";

export interface UpstreamResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The whole body as text; bodies are small JSON documents. */
  readonly text: string;
  /**
   * Seconds until a retry may succeed: for a 429, how long the account's budget is now blocked; otherwise the
   * Retry-After header, if any.
   */
  readonly retryAfterSeconds: number | null;
}

export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retries. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Statuses worth another attempt (idempotent GETs only). */
  readonly retryStatuses: ReadonlySet<number>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  retryStatuses: new Set([500, 502, 503, 504]),
};

/** The last outcome of an account's upstream calls, for /readyz. */
export interface CallOutcome {
  readonly at: Date;
  readonly ok: boolean;
  readonly code?: string;
}

/**
 * Where an account's upstream calls are counted (src/metrics): one `call` per request() with how it ended, one
 * `attempt` per HTTP request sent with how long it took.
 */
export interface UpstreamObserver {
  /** `outcome`: "ok", the error code it failed with, or "abandoned"/"deadline" where its operation stopped it. */
  call(outcome: string): void;
  /** `status`: "2xx".."5xx", or "timeout", "error" or "aborted" where no answer came. */
  attempt(status: string, seconds: number): void;
}

export interface UpstreamHttpOptions {
  readonly provider: string;
  readonly account: string;
  /** scheme://host[:port] of the upstream. */
  readonly origin: string;
  /** A Pool for that origin in production; an Agent or MockAgent works too. */
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
  readonly budget?: RateBudget;
  /** Largest body we read before giving up (a defence against a runaway upstream). */
  readonly maxBodyBytes?: number;
  readonly observer?: UpstreamObserver | undefined;
}

export interface UpstreamRequest {
  readonly method: "GET";
  /** Path with its query string. */
  readonly path: string;
  /** Called per attempt: signatures that cover a date must be fresh on a retry. */
  readonly headers: () => Record<string, string>;
  /** The operation the call is made for: its cap, caller and abort signal. Absent outside an operation. */
  readonly scope?: OperationScope | undefined;
}

/** How a provider client reads a 2xx JSON body, and what any other status means. */
export interface JsonRead<T> {
  /** Narrows the parsed body, throwing UPSTREAM_BAD_RESPONSE where it is not the documented shape. */
  readonly narrow: (body: unknown) => T;
  /** The UpstreamError of a non-2xx answer: the provider reads its own error body. */
  readonly statusError: (response: UpstreamResponse) => UpstreamError;
  /** The header the provider puts its request id in, quoted in the error of a body that is not JSON. */
  readonly requestIdHeader?: string;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Upstream calls of one account in flight at once, across all requests. */
const MAX_CONCURRENT_CALLS = 8;

/**
 * The one outbound-HTTP wrapper: per attempt the operation's share, the caller's share and the account's rate
 * budget, then a per-account bound on calls in flight (waits for the budget or a slot bounded by the account's
 * queue, and abandoned when the operation stops); bounded jittered retries for idempotent calls that honour
 * Retry-After, transport errors classified into UpstreamErrors, and the last outcome kept for readiness.
 * request() returns HTTP statuses rather than throwing them; readJson() turns one into a narrowed body or an
 * error, with the provider client's own reading of its error bodies.
 * Retries are hand-rolled rather than undici's retry interceptor because each attempt must re-sign and draw
 * from the account's rate budget.
 */
export class UpstreamHttp {
  private last: CallOutcome | null = null;
  private readonly retry: RetryPolicy;
  private readonly budget: RateBudget;
  private readonly log: Logger;
  private readonly slots: ConcurrencyLimit;

  constructor(private readonly options: UpstreamHttpOptions) {
    this.slots = new ConcurrencyLimit(MAX_CONCURRENT_CALLS);
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.budget = options.budget ?? UNLIMITED_BUDGET;
    this.log = options.logger.child({ provider: options.provider, account: options.account });
  }

  get lastOutcome(): CallOutcome | null {
    return this.last;
  }

  /** Marks the outcome of a call whose status the provider client classified (e.g. a 404 that is "not found"). */
  recordOutcome(ok: boolean, code?: string): void {
    this.last = code === undefined ? { at: new Date(), ok } : { at: new Date(), ok, code };
    this.options.observer?.call(ok ? "ok" : (code ?? "error"));
  }

  /**
   * The narrowed body of a 2xx answer, or the UpstreamError its status (read.statusError) or its body
   * (UPSTREAM_BAD_RESPONSE) means. Records the call's outcome either way.
   */
  readJson<T>(response: UpstreamResponse, read: JsonRead<T>): T {
    try {
      if (response.statusCode < 200 || response.statusCode >= 300) throw read.statusError(response);
      const value = read.narrow(this.parseJson(response, read.requestIdHeader));
      this.recordOutcome(true);
      return value;
    } catch (err) {
      this.recordOutcome(false, err instanceof UpstreamError ? err.code : undefined);
      throw err;
    }
  }

  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const scope = req.scope;
    const { provider, account } = this.options;
    // What the previous attempt got, answered where a retry may not be made: a retry refused by a budget must
    // not hide the provider's own answer behind a limit of ours.
    let previous: { readonly response: UpstreamResponse } | { readonly error: UpstreamError } | null = null;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.retry.attempts;
      let grant: BudgetGrant;
      try {
        // The operation's own limits first, reserved at once (calls of one operation run concurrently): a call it
        // may not make takes nothing from the account's budget, and one never sent is handed back below.
        scope?.reserveCall(provider, account, this.budget.operationLimit);
        try {
          grant = await this.budget.take({ caller: scope?.caller, signal: scope?.signal });
        } catch (err) {
          scope?.releaseCall(provider, account);
          throw err;
        }
      } catch (err) {
        if (scope?.aborted) throw this.unrecorded(this.aborted(scope));
        if (previous === null) throw this.unrecorded(err);
        if ("response" in previous) return previous.response;
        this.recordOutcome(false, previous.error.code);
        throw previous.error;
      }
      let sent = false;
      let sentAt = 0;
      let response: UpstreamResponse;
      try {
        response = await this.slots.run(
          () => {
            // Queued behind other calls while its operation ended: never sent.
            if (scope?.aborted) throw this.aborted(scope);
            sent = true;
            sentAt = performance.now();
            return this.once(req, scope?.signal);
          },
          { signal: scope?.signal, queue: this.budget.queue ?? undefined },
        );
      } catch (err) {
        if (!sent) {
          // Refused by the full queue, or its operation ended while it waited: the budget did not pay for it.
          scope?.releaseCall(provider, account);
          await grant.giveBack();
        }
        if (sent) this.observeAttempt(this.attemptFailure(err, scope), sentAt);
        // A call its operation stopped says nothing about the provider: not recorded for /readyz, not retried.
        if (scope?.aborted) throw this.unrecorded(this.aborted(scope));
        if (!sent) throw this.unrecorded(err);
        const error = this.classify(err);
        if (last || error.code !== "UPSTREAM_UNAVAILABLE") {
          this.recordOutcome(false, error.code);
          throw error;
        }
        this.log.warn(
          { ...scope?.logFields, attempt, path: redactPath(req.path), code: error.code },
          "upstream call failed; retrying",
        );
        previous = { error };
        await this.pause(this.backoff(attempt, null), scope);
        continue;
      }
      this.observeAttempt(`${Math.floor(response.statusCode / 100)}xx`, sentAt);
      let retryAfter = parseRetryAfter(response.headers["retry-after"]);
      if (response.statusCode === 429) retryAfter = await this.budget.penalize(retryAfter);
      response = { ...response, retryAfterSeconds: retryAfter };
      if (!last && this.retry.retryStatuses.has(response.statusCode)) {
        if (retryAfter !== null && retryAfter * 1000 > this.retry.maxDelayMs) return response;
        this.log.warn(
          { ...scope?.logFields, attempt, path: redactPath(req.path), status: response.statusCode },
          "upstream status; retrying",
        );
        previous = { response };
        await this.pause(this.backoff(attempt, retryAfter), scope);
        continue;
      }
      return response;
    }
  }

  /** The back-off between attempts; it ends early, with the operation's error, when the operation stops. */
  private async pause(ms: number, scope: OperationScope | undefined): Promise<void> {
    try {
      await sleep(ms, undefined, scope ? { signal: scope.signal } : {});
    } catch (err) {
      if (scope?.aborted) throw this.unrecorded(this.aborted(scope));
      throw this.unrecorded(err);
    }
  }

  /**
   * Counts a call that ends with an error not recorded for /readyz (refused by a limit or the full queue, or
   * stopped with its operation); a recorded outcome is counted by recordOutcome.
   */
  private unrecorded(err: unknown): unknown {
    const observer = this.options.observer;
    if (observer === undefined) return err;
    if (err instanceof OperationAbandonedError) observer.call("abandoned");
    else if (err instanceof OperationDeadlineError) observer.call("deadline");
    else observer.call(err instanceof AppError ? err.code : "error");
    return err;
  }

  private observeAttempt(status: string, sentAt: number): void {
    this.options.observer?.attempt(status, (performance.now() - sentAt) / 1000);
  }

  /** How an attempt sent upstream ended without an answer, for the latency histogram. */
  private attemptFailure(err: unknown, scope: OperationScope | undefined): string {
    if (scope?.aborted) return "aborted";
    return this.classify(err).code === "UPSTREAM_TIMEOUT" ? "timeout" : "error";
  }

  private async once(req: UpstreamRequest, signal: AbortSignal | undefined): Promise<UpstreamResponse> {
    const started = performance.now();
    const res = await this.options.dispatcher.request({
      origin: this.options.origin,
      method: req.method,
      path: req.path,
      headers: req.headers(),
      ...(signal ? { signal } : {}),
    });
    const limit = this.options.maxBodyBytes ?? MAX_BODY_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > limit) {
        res.body.destroy();
        throw new UpstreamError(
          "UPSTREAM_BAD_RESPONSE",
          `Response body larger than ${limit} bytes.`,
          this.upstream(),
        );
      }
      chunks.push(buf);
    }
    this.log.debug(
      {
        ...req.scope?.logFields,
        path: redactPath(req.path),
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
      },
      "upstream call",
    );
    return {
      statusCode: res.statusCode,
      headers: res.headers,
      text: Buffer.concat(chunks).toString("utf8"),
      retryAfterSeconds: null,
    };
  }

  private parseJson(response: UpstreamResponse, requestIdHeader: string | undefined): unknown {
    try {
      return JSON.parse(response.text);
    } catch (cause) {
      const requestId =
        requestIdHeader === undefined ? undefined : headerValue(response.headers, requestIdHeader);
      throw new UpstreamError(
        "UPSTREAM_BAD_RESPONSE",
        `${providerDisplayName(this.options.provider)} answered HTTP ${response.statusCode} with a body that is not JSON.`,
        {
          ...this.upstream(),
          httpStatus: response.statusCode,
          ...(requestId !== undefined ? { requestId } : {}),
        },
        { cause },
      );
    }
  }

  private upstream(): { provider: string; account: string } {
    return { provider: this.options.provider, account: this.options.account };
  }

  /** The operation's client went away or its deadline passed: the call is not made, or not finished. */
  private aborted(scope: OperationScope): Error {
    return abortedError(scope.aborted ?? "client-gone", this.options.provider, this.options.account);
  }

  private classify(err: unknown): UpstreamError {
    if (err instanceof UpstreamError) return err;
    const up = this.upstream();
    if (
      err instanceof undiciErrors.HeadersTimeoutError ||
      err instanceof undiciErrors.BodyTimeoutError ||
      err instanceof undiciErrors.ConnectTimeoutError
    ) {
      return new UpstreamError(
        "UPSTREAM_TIMEOUT",
        `${providerDisplayName(up.provider)} did not answer in time.`,
        up,
        {
          cause: err,
        },
      );
    }
    return new UpstreamError(
      "UPSTREAM_UNAVAILABLE",
      `${providerDisplayName(up.provider)} could not be reached.`,
      up,
      {
        cause: err,
      },
    );
  }

  private backoff(attempt: number, retryAfterSeconds: number | null): number {
    if (retryAfterSeconds !== null) return Math.min(retryAfterSeconds * 1000, this.retry.maxDelayMs);
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2)); // "equal jitter"
  }
}

/** Seconds from a Retry-After header (delta-seconds or HTTP-date), or null. */
export function parseRetryAfter(value: string | string[] | undefined, now: Date = new Date()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === "") return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/** Query strings may carry ids and sites but no secrets; keep only the path in logs anyway. */
function redactPath(path: string): string {
  const q = path.indexOf("?");
  return q === -1 ? path : path.slice(0, q);
}

export function headerValue(headers: UpstreamResponse["headers"], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
