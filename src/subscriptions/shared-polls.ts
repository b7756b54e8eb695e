import type { PrefetchTask } from "../domain/prefetch-task";
import type { SharedKv } from "../redis/kv-store";
import { SharedCalls, type Codec } from "../reuse/shared-calls";
import { decodeTasksJson, encodeTasksJson, isTaskLike } from "../reuse/shared-final-tasks";

/** One poll of a task, as every replica watching the task applies it. */
export interface PollRecord {
  /**
   * The instant the poll was made for (epoch ms): an instant of the pollers' grid, or, for a poller's first
   * poll, the start of the grid step it fell in.
   */
  readonly at: number;
  /** What the provider answered: the task, or null where it does not know it. */
  readonly task: PrefetchTask | null;
  /** Polls in a row, this one included, that saw no change watchers are told about. */
  readonly unchanged: number;
  /** The instant of the next poll (epoch ms, on the grid), or null where there is none (finished, unknown). */
  readonly next: number | null;
}

export interface SharedPollsOptions {
  /** The pollers' grid step (pollStepMs): a poll's record stays readable for a step after it is published. */
  readonly stepMs: number;
  /** Longest a replica waits for another's poll before it polls itself: a bound on a replica that died. */
  readonly leaseMs: number;
  /** The pollers' clock (Scheduler.now). */
  readonly now: () => number;
}

/**
 * The polls of watched tasks, shared by every replica through a SharedKv (Redis): each poll of a task, keyed by
 * the task's identity and the instant it is made for, is made by the first replica to ask (a lease) and
 * published with what it saw and when the next poll is due; the other replicas watching the task apply that
 * record instead of polling (SharedCalls). The last record of each task is kept until a step after its next
 * poll, so a replica that starts watching the task applies it at once and joins the same schedule. A failed poll
 * publishes nothing: every replica then handles its error as it would alone. Where the store is unreachable,
 * nothing is read and every replica polls on its own (SharedKv and SharedCalls never fail a caller).
 */
export class SharedPolls {
  private readonly calls: SharedCalls;

  constructor(
    private readonly kv: SharedKv,
    private readonly options: SharedPollsOptions,
  ) {
    // The instant is part of the key, so a record may stay readable for a whole step: a replica whose timer
    // fires late still applies the poll made for its instant instead of polling again.
    this.calls = new SharedCalls(kv, { freshnessMs: options.stepMs, leaseMs: options.leaseMs });
  }

  /** The last poll of the task that any replica published, or null. */
  async latest(key: string): Promise<PollRecord | null> {
    const text = await this.kv.get(latestKey(key));
    return text === null ? null : RECORD_CODEC.decode(text);
  }

  /**
   * The poll of the task `key` for the instant `at`: another replica's, published or awaited, or `poll()` made
   * here and published. Rejects where `poll()` does (nothing is published then).
   */
  async poll(
    key: string,
    at: number,
    poll: () => Promise<PollRecord>,
    signal: AbortSignal,
  ): Promise<PollRecord> {
    const { value } = await this.calls.run(
      `${key}@${at}`,
      async () => {
        const record = await poll();
        await this.kv.set(latestKey(key), RECORD_CODEC.encode(record), this.keepFor(record));
        return record;
      },
      RECORD_CODEC,
      signal,
    );
    return value;
  }

  /** Until a step past the next poll: long enough for that poll to publish its own record. */
  private keepFor(record: PollRecord): number {
    const ahead = record.next === null ? 0 : Math.max(0, record.next - this.options.now());
    return ahead + this.options.stepMs;
  }
}

/** The results and leases of SharedCalls begin with "r:" and "l:". */
function latestKey(key: string): string {
  return `latest:${key}`;
}

/** A record as JSON with dates tagged (encodeTasksJson); a corrupt or foreign entry decodes to null, a miss. */
export const RECORD_CODEC: Codec<PollRecord> = {
  encode: encodeTasksJson,
  decode(text) {
    let value: unknown;
    try {
      value = decodeTasksJson(text);
    } catch {
      return null;
    }
    if (typeof value !== "object" || value === null) return null;
    const record = value as Record<keyof PollRecord, unknown>;
    const valid =
      typeof record.at === "number" &&
      Number.isFinite(record.at) &&
      typeof record.unchanged === "number" &&
      Number.isInteger(record.unchanged) &&
      record.unchanged >= 0 &&
      (record.next === null || (typeof record.next === "number" && Number.isFinite(record.next))) &&
      (record.task === null || isTaskLike(record.task));
    return valid ? (value as PollRecord) : null;
  },
};
