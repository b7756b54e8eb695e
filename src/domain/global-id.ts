import { isProviderKind } from "./provider-kind";
import type { TaskRef } from "./prefetch-task";

/**
 * Global ids are opaque to clients but stable across restarts and replicas: base64url of a versioned,
 * delimiter-separated tuple. Each part is percent-encoded so that a "|" inside an account, site or
 * provider task id cannot shift the fields.
 */
const PREFIX = "PrefetchTask:1";

export function encodeGlobalId(ref: TaskRef): string {
  const parts = [PREFIX, ref.provider, ref.account, ref.site ?? "", ref.taskId].map((p, i) =>
    i === 0 ? p : encodeURIComponent(p),
  );
  return Buffer.from(parts.join("|"), "utf8").toString("base64url");
}

/** The ref behind a global id, or null where the id is not one of ours (callers answer null, as for unknown ids). */
export function decodeGlobalId(id: string): TaskRef | null {
  if (id.length === 0 || id.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(id)) return null;
  const parts = Buffer.from(id, "base64url").toString("utf8").split("|");
  if (parts.length !== 5 || parts[0] !== PREFIX) return null;
  try {
    const [, provider, account, site, taskId] = parts.map((p) => decodeURIComponent(p));
    // The same rules as the arguments a client could have typed: no empty or blank parts.
    if (!isProviderKind(provider) || !account || !taskId || /\s/.test(taskId) || /\s/.test(account))
      return null;
    return { provider, account, site: site ? site : null, taskId };
  } catch {
    return null; // a malformed percent-escape
  }
}
