import { ACCOUNT_NAME_PATTERN } from "../config/account-name";
import type { TaskRef } from "./prefetch-task";
import { isProviderKind } from "./provider-kind";

/**
 * What a task's identity must look like, wherever it comes from: the typed arguments (prefetchTask, the list
 * fields' site) apply these through class-validator, and decodeGlobalId applies them to every decoded id, so a
 * forged global id is held to exactly what a client could have typed before anything calls a provider.
 */

/** Provider task ids: no blanks, and short (Baidu's and Wangsu's are a few dozen characters). */
export const TASK_ID_MAX_LENGTH = 256;
export const TASK_ID_PATTERN = /^\S+$/;

/** A DNS hostname: letters, digits, hyphens and dots, at most 253 characters, no scheme or path. */
export const HOSTNAME_PATTERN =
  /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$/;

/**
 * The createdAt hint a global id may carry. Neither provider existed before 2000, and a task is not created
 * tomorrow; a day of slack absorbs clock skew between us and the provider. A hint outside this range is forged
 * (it would send e.g. a year-33658 second to Baidu's list call).
 */
export const EARLIEST_CREATED_AT = new Date("2000-01-01T00:00:00Z");
export const CREATED_AT_FUTURE_SLACK_MS = 86_400_000;

export function isTaskId(value: string): boolean {
  return value.length <= TASK_ID_MAX_LENGTH && TASK_ID_PATTERN.test(value);
}

export function isHostname(value: string): boolean {
  return HOSTNAME_PATTERN.test(value);
}

export function isAccountName(value: string): boolean {
  return ACCOUNT_NAME_PATTERN.test(value);
}

/** Whether `createdAt` is a believable creation time at `now` (both ends inclusive). */
export function isCreatedAtHint(createdAt: Date, now: Date): boolean {
  const ms = createdAt.getTime();
  return ms >= EARLIEST_CREATED_AT.getTime() && ms <= now.getTime() + CREATED_AT_FUTURE_SLACK_MS;
}

export interface TaskRefRules {
  /** The server's now, for the createdAt range. */
  readonly now: Date;
  /** The provider's capability: whether its lookups need a site (then the site is part of the identity). */
  siteRequired(provider: TaskRef["provider"]): boolean;
}

/**
 * The first rule `ref` breaks, or null where it is a ref a client could have typed. The site is present exactly
 * where the provider needs one: a typed lookup drops it for the others, so a ref that carries one anyway is not
 * canonical (and would be judged by access control on a site the task need not touch).
 */
export function taskRefProblem(ref: TaskRef, rules: TaskRefRules): string | null {
  if (!isProviderKind(ref.provider)) return "provider is not a provider";
  if (!isAccountName(ref.account)) return "account must be an account name";
  if (!isTaskId(ref.taskId)) return `taskId must be 1-${TASK_ID_MAX_LENGTH} characters without spaces`;
  if (rules.siteRequired(ref.provider)) {
    if (ref.site === null) return `site is required for ${ref.provider}`;
    if (!isHostname(ref.site)) return "site must be a hostname";
  } else if (ref.site !== null) {
    return `${ref.provider} task identities carry no site`;
  }
  if (ref.createdAt && !isCreatedAtHint(ref.createdAt, rules.now)) {
    return `createdAt must lie between ${EARLIEST_CREATED_AT.toISOString()} and a day from now`;
  }
  return null;
}
