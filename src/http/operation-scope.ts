import { providerDisplayName } from "../domain/provider-kind";
import { setMaxListeners } from "node:events";
import { AppError, ErrorCode, UpstreamError } from "../errors/app-error";
import { reservationRefusal } from "./fair-share";
import type { TraceParent } from "./traceparent";

/** Why an operation's remaining upstream work stopped before it finished. */
export type AbortCause = "client-gone" | "deadline" | "finished";

/**
 * The signal's reason per cause, made once: `abort()` without one builds a DOMException, stack trace and all, and
 * every operation aborts its signal when it answers ("finished"). Nothing reads the reason for its stack; code
 * that stops on the signal asks the scope why (`aborted`).
 */
const ABORT_REASONS: Readonly<Record<AbortCause, Error>> = {
  "client-gone": abortReason("the client has gone"),
  deadline: abortReason("the operation's deadline has passed"),
  finished: abortReason("the operation has answered"),
};

function abortReason(message: string): Error {
  const reason = new Error(message);
  reason.name = "AbortError";
  return Object.freeze(reason);
}

export interface OperationScopeOptions {
  /** Upstream calls the whole operation may cause, whatever its shape (aliases, entity representations, scans). */
  readonly maxCalls: number;
  /** Who asks: the API key's name where access control knows it, else the client address. For fair shares. */
  readonly caller: string;
  /** Milliseconds from now after which the operation's pending upstream work is cancelled; null: none. */
  readonly deadlineMs: number | null;
  /** The request's id, on every log line of its upstream calls; absent outside a request. */
  readonly requestId?: string;
  /** The caller's W3C trace context, where it sent a valid `traceparent`: its trace id goes on those lines too. */
  readonly trace?: TraceParent | null;
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
  readonly requestId: string | null;
  readonly trace: TraceParent | null;
  /** What every log line about this operation's upstream calls carries: its request id and trace id. */
  readonly logFields: Readonly<{ requestId?: string; traceId?: string }>;
  /** Calls reserved per provider/account, for each account's operation share. */
  private readonly accountCalls = new Map<string, number>();
  private readonly controller = new AbortController();
  private cause: AbortCause | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: OperationScopeOptions) {
    // Every call of the operation that waits for a slot or is in flight listens to this signal; dozens at once are
    // normal (a 40-id `nodes`), and each listener is removed when its call moves on. The bound is the account's
    // wait queue, not Node's default of 10, which would only print a warning.
    setMaxListeners(0, this.controller.signal);
    this.caller = options.caller;
    this.maxCalls = options.maxCalls;
    this.requestId = options.requestId ?? null;
    this.trace = options.trace ?? null;
    this.logFields = {
      ...(this.requestId !== null && { requestId: this.requestId }),
      ...(this.trace !== null && { traceId: this.trace.traceId }),
    };
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
    this.controller.abort(ABORT_REASONS[cause]);
  }

  /**
   * The operation has answered: whatever of it still runs (a sibling of a field whose error nulled their parent)
   * would answer nobody, so it stops, and its deadline timer goes.
   */
  finish(): void {
    this.abort("finished");
  }

  /**
   * Counts a call about to be sent, or throws where the operation may send none: client gone or deadline
   * passed, its overall cap reached, or its share of the account's window (`accountLimit`, null: none) spent.
   * Checked before anything is drawn from the account's budget, so a refused call costs the account nothing.
   */
  reserveCall(provider: string, account: string, accountLimit: number | null = null): void {
    if (this.cause !== null) throw abortedError(this.cause, provider, account);
    const key = `${provider}/${account}`;
    const accountCalls = this.accountCalls.get(key) ?? 0;
    const refusal = reservationRefusal({
      calls: this.upstreamCalls,
      maxCalls: this.maxCalls,
      accountCalls,
      accountLimit,
    });
    if (refusal === "operation-cap") {
      throw new AppError(
        ErrorCode.OPERATION_LIMIT_EXCEEDED,
        `This operation needs more than ${this.maxCalls} upstream calls; ask for fewer tasks, a shorter window or fewer fields at once.`,
        { maxUpstreamCalls: this.maxCalls },
      );
    }
    if (refusal === "account-share") {
      throw new AppError(
        ErrorCode.OPERATION_LIMIT_EXCEEDED,
        `This operation needs more than ${accountLimit} calls of ${providerDisplayName(provider)} account "${account}", its share of the account's call budget; ask for fewer tasks or a shorter window at once.`,
        { provider, account, maxAccountCalls: accountLimit },
      );
    }
    this.upstreamCalls++;
    this.accountCalls.set(key, accountCalls + 1);
  }

  /** Hands back a reserved call that was never sent (refused by the budget, its queue, or an abort). */
  releaseCall(provider: string, account: string): void {
    this.upstreamCalls--;
    const key = `${provider}/${account}`;
    this.accountCalls.set(key, (this.accountCalls.get(key) ?? 1) - 1);
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

/**
 * Whether an error is about the operation that asked (its cap or share, its caller's share, its client, its
 * deadline), not the provider: another operation waiting on the same call may still make it.
 */
export function isOperationBound(err: unknown): boolean {
  return (
    err instanceof OperationAbandonedError ||
    err instanceof OperationDeadlineError ||
    (err instanceof AppError && err.code === ErrorCode.OPERATION_LIMIT_EXCEEDED) ||
    (err instanceof UpstreamError && err.extensions.limit === "CALLER")
  );
}
