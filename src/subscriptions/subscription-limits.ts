import { AppError, ErrorCode } from "../errors/app-error";

export interface SubscriptionLimitSettings {
  /** Subscriptions one WebSocket connection may hold at once. */
  readonly perConnection: number;
  /** Subscriptions one caller (API key, else client address) may hold at once, over all its connections. */
  readonly perCaller: number;
  /** WebSocket connections of one caller at once (counted from its connection_init). */
  readonly connectionsPerCaller: number;
  /** WebSocket connections of the process at once, those still in their handshake or init included. */
  readonly connectionsPerProcess: number;
  /** Tasks one caller may watch at once, over all its subscriptions (a task in two subscriptions counts twice). */
  readonly watchedTasksPerCaller: number;
  /** Tasks watched at once in the process, over all subscriptions: bounds the pollers and what they hold. */
  readonly watchedTasksPerProcess: number;
  /** A connection with no subscription for this long is closed (milliseconds). */
  readonly idleTimeoutMs: number;
}

/** What one connection holds; created per connection by whoever tracks it. */
export interface ConnectionSubscriptions {
  active: number;
}

/** The bound on watched tasks, as the task watch hub applies it before a subscription watches anything. */
export interface WatchedTaskBounds {
  /** Counts `tasks` watched tasks for `caller`, or throws OPERATION_LIMIT_EXCEEDED; returns their release. */
  acquireTasks(caller: string, tasks: number): () => void;
}

/**
 * The bounds on what subscribers hold, in this process (with replicas each counts its own: a caller spread over n
 * replicas may hold n times a per-caller bound): connections, per process and per caller; subscriptions, per
 * connection and per caller; watched tasks, per caller and per process. Every refusal is an AppError
 * OPERATION_LIMIT_EXCEEDED naming the bound in its extensions; every count lasts until its release, which is
 * idempotent.
 */
export class SubscriptionLimits implements WatchedTaskBounds {
  private readonly subscriptionsByCaller = new Map<string, number>();
  private readonly connectionsByCaller = new Map<string, number>();
  private readonly tasksByCaller = new Map<string, number>();
  private subscriptions = 0;
  private openConnections = 0;
  private tasks = 0;

  constructor(readonly settings: SubscriptionLimitSettings) {}

  /** Live subscriptions of the process. */
  get active(): number {
    return this.subscriptions;
  }

  /** Open WebSocket connections of the process, those still in their handshake or init included. */
  get connections(): number {
    return this.openConnections;
  }

  /** Tasks watched in the process, over all subscriptions. */
  get watchedTasks(): number {
    return this.tasks;
  }

  /** Counts a new connection of the process (at its upgrade, before anything is known of it). */
  admitConnection(): () => void {
    const max = this.settings.connectionsPerProcess;
    if (this.openConnections >= max) {
      throw new AppError(
        ErrorCode.OPERATION_LIMIT_EXCEEDED,
        `This server holds ${max} WebSocket connections, the most it may; retry later (another replica may have room).`,
        { maxConnectionsPerProcess: max },
      );
    }
    this.openConnections++;
    return once(() => this.openConnections--);
  }

  /** Counts an initialised connection of `caller`, over all its connections to this process. */
  acquireConnection(caller: string): () => void {
    const max = this.settings.connectionsPerCaller;
    return countIn(this.connectionsByCaller, caller, 1, max, () => {
      throw new AppError(
        ErrorCode.OPERATION_LIMIT_EXCEEDED,
        `This caller already holds ${max} WebSocket connections, the most one caller may; close one, or run several subscriptions on one connection.`,
        { maxConnectionsPerCaller: max },
      );
    });
  }

  /** Counts a new subscription, or throws OPERATION_LIMIT_EXCEEDED where a bound is reached; returns its release. */
  acquire(connection: ConnectionSubscriptions, caller: string): () => void {
    const { perConnection, perCaller } = this.settings;
    if (connection.active >= perConnection) {
      throw new AppError(
        ErrorCode.OPERATION_LIMIT_EXCEEDED,
        `This connection already holds ${perConnection} subscriptions, the most one connection may; complete one first, or watch several tasks in one subscription.`,
        { maxSubscriptionsPerConnection: perConnection },
      );
    }
    const release = countIn(this.subscriptionsByCaller, caller, 1, perCaller, () => {
      throw new AppError(
        ErrorCode.OPERATION_LIMIT_EXCEEDED,
        `This caller already holds ${perCaller} subscriptions, the most one caller may; complete one first, or watch several tasks in one subscription.`,
        { maxSubscriptionsPerCaller: perCaller },
      );
    });
    connection.active++;
    this.subscriptions++;
    return once(() => {
      release();
      connection.active--;
      this.subscriptions--;
    });
  }

  /** Counts `tasks` watched tasks of one subscription of `caller`, all or none. */
  acquireTasks(caller: string, tasks: number): () => void {
    const { watchedTasksPerCaller, watchedTasksPerProcess } = this.settings;
    if (this.tasks + tasks > watchedTasksPerProcess) {
      throw new AppError(
        ErrorCode.OPERATION_LIMIT_EXCEEDED,
        `This server watches ${this.tasks} tasks for its subscribers and may watch at most ${watchedTasksPerProcess}; this subscription's ${tasks} would exceed it. Retry later (another replica may have room).`,
        { maxWatchedTasksPerProcess: watchedTasksPerProcess },
      );
    }
    const release = countIn(this.tasksByCaller, caller, tasks, watchedTasksPerCaller, (held) => {
      throw new AppError(
        ErrorCode.OPERATION_LIMIT_EXCEEDED,
        `This caller already watches ${held} tasks and may watch at most ${watchedTasksPerCaller} at once; this subscription's ${tasks} would exceed it. Complete a subscription first.`,
        { maxWatchedTasksPerCaller: watchedTasksPerCaller },
      );
    });
    this.tasks += tasks;
    return once(() => {
      release();
      this.tasks -= tasks;
    });
  }
}

/** Adds `count` to `key`'s tally where it stays within `max` (else `refuse(held)`); returns the release. */
function countIn(
  tally: Map<string, number>,
  key: string,
  count: number,
  max: number,
  refuse: (held: number) => never,
): () => void {
  const held = tally.get(key) ?? 0;
  if (held + count > max) refuse(held);
  tally.set(key, held + count);
  return once(() => {
    const left = (tally.get(key) ?? count) - count;
    if (left > 0) tally.set(key, left);
    else tally.delete(key);
  });
}

function once(run: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    run();
  };
}
