import { AsyncLocalStorage } from "node:async_hooks";
import { AppError, ErrorCode } from "../errors/app-error";

/**
 * A cap on the upstream calls one GraphQL operation may cause, whatever its shape: aliases, entity
 * representations from a router, long status scans. It rides along the operation's async context, so every
 * call made on its behalf (loaders and paging included) draws from it without threading it through.
 */
export class OperationCallBudget {
  private used = 0;

  /** `signal`: aborts when the operation's client has gone, so its remaining upstream work can stop. */
  constructor(
    readonly max: number,
    readonly signal?: AbortSignal,
  ) {}

  /** Upstream calls so far, for the operation's log line. */
  get calls(): number {
    return this.used;
  }

  /** Counts a call about to be sent, or throws when the operation has had its share. */
  take(): void {
    if (this.used >= this.max) {
      throw new AppError(
        ErrorCode.OPERATION_LIMIT_EXCEEDED,
        `This operation needs more than ${this.max} upstream calls; ask for fewer tasks, a shorter window or fewer fields at once.`,
        { maxUpstreamCalls: this.max },
      );
    }
    this.used++;
  }
}

const current = new AsyncLocalStorage<OperationCallBudget>();

export function runWithCallBudget<T>(budget: OperationCallBudget, fn: () => T): T {
  return current.run(budget, fn);
}

/** The budget of the operation being served, or undefined outside one (start-up, scripts). */
export function currentCallBudget(): OperationCallBudget | undefined {
  return current.getStore();
}
