import { isProviderKind } from "./provider-kind";
import type { TaskRef } from "./prefetch-task";
import { taskRefProblem, type TaskRefRules } from "./task-ref-rules";

/**
 * Global ids are opaque to clients but stable across restarts and replicas: base64url of a versioned,
 * delimiter-separated tuple. Each part is percent-encoded so that a "|" inside an account, site or
 * provider task id cannot shift the fields.
 *
 * The tuple is `PrefetchTask:1|provider|account|site|taskId`, followed by `|createdAt` (epoch seconds) where the
 * ref carries its createdAt hint. A ref without one encodes to the five fields alone, so such ids (every Wangsu
 * id, and every id issued before the hint existed) are unchanged, and five-field ids still decode.
 */
const PREFIX = "PrefetchTask:1";
const SECONDS = /^\d{1,12}$/;

export function encodeGlobalId(ref: TaskRef): string {
  const parts = [ref.provider, ref.account, ref.site ?? "", ref.taskId];
  const seconds = createdAtSeconds(ref.createdAt);
  if (seconds !== null) parts.push(String(seconds));
  return Buffer.from([PREFIX, ...parts.map((p) => encodeURIComponent(p))].join("|"), "utf8").toString(
    "base64url",
  );
}

/**
 * The ref behind a global id, or null where the id is not one of ours or names a ref no client could have typed
 * (taskRefProblem: the typed arguments' rules, and a believable createdAt). Callers answer null, as for unknown
 * ids, and nothing is sent upstream.
 */
export function decodeGlobalId(id: string, rules: TaskRefRules): TaskRef | null {
  if (id.length === 0 || id.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(id)) return null;
  const parts = Buffer.from(id, "base64url").toString("utf8").split("|");
  if ((parts.length !== 5 && parts.length !== 6) || parts[0] !== PREFIX) return null;
  let decoded: string[];
  try {
    decoded = parts.map((p) => decodeURIComponent(p));
  } catch {
    return null; // a malformed percent-escape
  }
  const [, provider = "", account = "", site = "", taskId = "", created = ""] = decoded;
  if (!isProviderKind(provider)) return null;
  if (created !== "" && !SECONDS.test(created)) return null;
  const ref: TaskRef = {
    provider,
    account,
    site: site ? site : null,
    taskId,
    createdAt: created === "" ? null : new Date(Number(created) * 1000),
  };
  return taskRefProblem(ref, rules) === null ? ref : null;
}

/**
 * What identifies a task: provider, account, site and provider task id, never the createdAt hint. Keys of
 * everything that must treat a typed lookup and a listed row of the same task as one (loader cache, ledger).
 */
export function taskIdentityKey(ref: TaskRef): string {
  const site = ref.site ?? "";
  // Joined by NUL, several times cheaper than JSON on a path that keys every row of a page. Unambiguous while
  // only the last field may hold a NUL: provider kinds and account names are plain and sites are hostnames. A
  // ref that breaks that anyway gets the JSON form, which begins with "[" where the other begins with a letter.
  if (ref.account.includes("\0") || site.includes("\0")) {
    return JSON.stringify([ref.provider, ref.account, site, ref.taskId]);
  }
  return `${ref.provider}\0${ref.account}\0${site}\0${ref.taskId}`;
}

/** Whole epoch seconds of a createdAt hint, or null where there is none worth writing. */
function createdAtSeconds(createdAt: Date | null | undefined): number | null {
  if (createdAt === null || createdAt === undefined) return null;
  const ms = createdAt.getTime();
  return Number.isFinite(ms) && ms >= 0 ? Math.floor(ms / 1000) : null;
}
