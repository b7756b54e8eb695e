import { encodeGlobalId } from "../domain/global-id";
import {
  NOTHING_MISSING,
  type LazyTaskField,
  type PrefetchTask,
  type TaskRef,
} from "../domain/prefetch-task";
import type { SharedKv } from "../redis/kv-store";

/**
 * Final tasks shared by every replica: a task one replica saw finish costs the others no call. Reads and writes
 * never fail a request: where the store is unreachable, a read is a miss and a write is skipped.
 */
export interface SharedFinalTasks {
  /** The final tasks stored under `keys`, null where none is. One round trip. */
  getMany(keys: readonly string[]): Promise<(PrefetchTask | null)[]>;
  /** Stores a final task; fire and forget. */
  put(key: string, task: PrefetchTask): void;
}

/** A week: a final task never changes, and a dashboard rarely looks further back; the store evicts before. */
const SHARED_TTL_MS = 7 * 24 * 3600 * 1000;

/** Final tasks of one provider account in a SharedKv (Redis), as JSON with dates tagged. */
export class KvSharedFinalTasks implements SharedFinalTasks {
  constructor(
    private readonly kv: SharedKv,
    /** provider/account: keys of two accounts never meet. */
    private readonly prefix: string,
  ) {}

  async getMany(keys: readonly string[]): Promise<(PrefetchTask | null)[]> {
    const values = await this.kv.mget(keys.map((k) => this.prefix + k));
    return values.map((v) => (v === null ? null : parseTask(v)));
  }

  put(key: string, task: PrefetchTask): void {
    void this.kv.set(this.prefix + key, serializeTask(task), SHARED_TTL_MS);
  }
}

/**
 * JSON of tasks and pages of tasks, Dates tagged as {"$d": epoch ms} so that no string that merely looks like
 * one is revived, and `missing` sets as arrays. A task's global id is left out: it is its ref's, recomputed when
 * read, so an entry another replica wrote can never serve an id the ref does not make.
 */
export function encodeTasksJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return { $d: raw.getTime() };
    if (raw instanceof Set) return [...(raw as Set<unknown>)];
    if (key === "id" && isTaskObject(this)) return undefined;
    return v;
  });
}

/** A task as JSON holds it: the object with a ref and a `missing` list (details have neither). */
function isTaskObject(value: object): value is { ref: TaskRef; id?: unknown } {
  return "ref" in value && "missing" in value && typeof (value as { ref: unknown }).ref === "object";
}

/** What encodeTasksJson wrote, Dates and `missing` sets revived; throws on text that is not JSON. */
export function decodeTasksJson(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) => {
    if (key === "missing" && Array.isArray(value)) {
      return value.length === 0 ? NOTHING_MISSING : new Set<LazyTaskField>(value as LazyTaskField[]);
    }
    // Revived bottom-up: the ref (its createdAt hint a Date again) is already in place.
    if (typeof value === "object" && value !== null && isTaskObject(value)) {
      const ref = value.ref as TaskRef | null;
      if (ref !== null && typeof ref.taskId === "string") value.id = encodeGlobalId(ref);
      return value;
    }
    if (
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      typeof (value as { $d?: unknown }).$d === "number" &&
      Object.keys(value).length === 1
    ) {
      return new Date((value as { $d: number }).$d);
    }
    return value;
  });
}

export function serializeTask(task: PrefetchTask): string {
  return encodeTasksJson(task);
}

/** A task serializeTask wrote; null where the text is not one (a corrupt or foreign entry is only a miss). */
export function parseTask(text: string): PrefetchTask | null {
  try {
    const task = decodeTasksJson(text) as PrefetchTask | null;
    if (!isTaskLike(task)) return null;
    return task;
  } catch {
    return null;
  }
}

/** Enough of a task's shape to trust an entry this service wrote. */
export function isTaskLike(task: unknown): task is PrefetchTask {
  const t = task as PrefetchTask | null;
  return (
    typeof t === "object" &&
    t !== null &&
    typeof t.ref?.taskId === "string" &&
    typeof t.id === "string" &&
    t.observedAt instanceof Date &&
    t.missing instanceof Set
  );
}
