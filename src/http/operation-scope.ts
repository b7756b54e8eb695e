import { AppError, ErrorCode, UpstreamError } from "../errors/app-error";

/** Why an operation's remaining upstream work stopped before it finished. */
export type AbortCause = "client-gone" | "deadline";

export interface OperationScopeOptions {
  /** Upstream calls the whole operation may cause, whatever its shape (aliases, entity representations, scans). */
  readonly maxCalls: number;
  /** Who asks: the API key's name where access control knows it, else the client address. For fair shares. */
  readonly caller: string;
  /** Milliseconds from now after which the operation's pending upstream work is cancelled; null: none. */
  readonly deadlineMs: number | null;
}

/**
 * What one GraphQL operation carries down to every upstream call made on its behalf: its call cap, its caller,
 * its abort signal (client gone or deadline passed) and the counters its response reports. It travels
 * explicitly (context → loaders/paging → reuse layer → provider → UpstreamHttp): an AsyncLocalStorage would
 * put hooks on every promise of the process.
 */
export class OperationScope {
  /** Calls sent upstream on this operation's behalf. */
  upstreamCalls = 0;
  /** Tasks and pages answered from reuse (cache, or a call another operation had in flight) instead of a call. */
  cacheHits = 0;
  readonly caller: string;
  readonly maxCalls: number;
  private readonly controller = new AbortController();
  private cause: AbortCause | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: OperationScopeOptions) {
    this.caller = options.caller;
    this.maxCalls = options.maxCalls;
    if (options.deadlineMs !== null) {
      this.timer = setTimeout(() => this.abort("deadline"), options.deadlineMs);
      this.timer.unref();
    }
  }

  /** Aborts when the client has gone or the deadline has passed: pending upstream work stops. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get aborted(): AbortCause | null {
    return this.cause;
  }

  abort(cause: AbortCause): void {
    if (this.cause !== null) return;
    this.cause = cause;
    clearTimeout(this.timer);
    this.controller.abort();
  }

  /** The operation has answered: nothing of it may run on, and its deadline timer goes. */
  finish(): void {
    clearTimeout(this.timer);
  }

  /** Counts a call about to be sent, or throws where the operation may send none (cap, client gone, deadline). */
  reserveCall(provider: string, account: string): void {
    if (this.cause !== null) throw abortedError(this.cause, provider, account);
    if (this.upstreamCalls >= this.maxCalls) {
      throw new AppError(
        ErrorCode.OPERATION_LIMIT_EXCEEDED,
        `This operation needs more than ${this.maxCalls} upstream calls; ask for fewer tasks, a shorter window or fewer fields at once.`,
        { maxUpstreamCalls: this.maxCalls },
      );
    }
    this.upstreamCalls++;
  }

  /** Hands back a reserved call that was never sent (the account's budget refused it). */
  releaseCall(): void {
    this.upstreamCalls--;
  }
}

/** The error of upstream work stopped because of its operation, not because of the provider. */
export function abortedError(cause: AbortCause, provider: string, account: string): AppError {
  return cause === "deadline"
    ? new OperationDeadlineError(provider, account)
    : new OperationAbandonedError(provider, account);
}

/** The operation's deadline passed: its fields still waiting for the provider get UPSTREAM_TIMEOUT. */
export class OperationDeadlineError extends UpstreamError {
  constructor(provider: string, account: string) {
    super("UPSTREAM_TIMEOUT", "The operation's deadline passed before the provider answered.", {
      provider,
      account,
    });
  }
}

/**
 * The operation's client went away: nobody reads the answer. Logged as what it is, never as a provider outage,
 * and never recorded against the provider's health.
 */
export class OperationAbandonedError extends AppError {
  override readonly name = "OperationAbandonedError";
  constructor(provider: string, account: string) {
    super(ErrorCode.OPERATION_ABANDONED, "The operation was abandoned by its client.", { provider, account });
  }
}

/** Whether an error is about the operation that asked (its cap, its client, its deadline), not the provider. */
export function isOperationBound(err: unknown): boolean {
  return (
    err instanceof OperationAbandonedError ||
    err instanceof OperationDeadlineError ||
    (err instanceof AppError && err.code === ErrorCode.OPERATION_LIMIT_EXCEEDED)
  );
}
