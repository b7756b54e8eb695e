import type { PrefetchStatus } from "./prefetch-status";
import type { ProviderKind } from "./provider-kind";

/**
 * Identity of one task at one provider account. `site` is part of it where the provider needs it to look a task
 * up. `createdAt` is not: it is a hint a provider may use to find the task another way (Baidu GEO lists the
 * second the record was created in when its id query does not answer), carried in the global id, and ignored
 * by every comparison of identity (see taskIdentityKey).
 */
export interface TaskRef {
  readonly provider: ProviderKind;
  readonly account: string;
  readonly taskId: string;
  readonly site: string | null;
  /** When the provider created the task, in whole seconds; null or absent where unknown. Not identity. */
  readonly createdAt?: Date | null;
}

export interface HttpHeader {
  readonly name: string;
  readonly value: string;
}

export interface PrefetchTarget {
  readonly url: string;
  readonly headers: readonly HttpHeader[];
}

/** Baidu AI Cloud GEO's own record, every field it returned (nulls where it said nothing). */
export interface BaiduGeoPrefetchDetails {
  readonly kind: "BAIDU_GEO";
  readonly site: string;
  readonly id: string;
  readonly status: string;
  readonly url: string;
  readonly progress: number | null;
  readonly reason: string | null;
  readonly operator: string | null;
  readonly createdAt: Date | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

export interface WangsuCdnProPrefetchMetadata {
  readonly id: string;
  readonly submissionTime: Date | null;
  readonly successRate: number | null;
  readonly status: string;
  readonly finishTime: Date | null;
  readonly apiRequestId: string | null;
}

/** Wangsu CDN Pro's own view of a prefetch request (the detail endpoint's body). */
export interface WangsuCdnProPrefetchDetails {
  readonly kind: "WANGSU_CDN_PRO";
  readonly name: string | null;
  readonly fileList: readonly PrefetchTarget[];
  readonly regions: readonly string[];
  readonly startTime: Date | null;
  readonly webhook: string | null;
  readonly metadata: WangsuCdnProPrefetchMetadata;
}

export type ProviderPrefetchDetails = BaiduGeoPrefetchDetails | WangsuCdnProPrefetchDetails;

/**
 * Fields a provider's list row may lack. A task whose `missing` set names a field is completed through the
 * by-id loader when, and only when, a selected GraphQL field needs it.
 */
export type LazyTaskField = "targets" | "startedAt" | "details";

/** The provider-neutral model every mapper produces and every resolver reads. */
export interface PrefetchTask {
  readonly ref: TaskRef;
  /** The global id of `ref` (encodeGlobalId), computed once when the task is mapped rather than per field read. */
  readonly id: string;
  /** The site (domain) the task belongs to, where the provider has one; not necessarily part of the identity. */
  readonly site: string | null;
  readonly name: string | null;
  /** null where the provider has no URL list for the task; see `missing` for "not loaded yet". */
  readonly targets: readonly PrefetchTarget[] | null;
  readonly status: PrefetchStatus;
  readonly providerStatus: string;
  readonly progress: number | null;
  readonly successRate: number | null;
  readonly createdAt: Date | null;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly failureReason: string | null;
  readonly operator: string | null;
  readonly details: ProviderPrefetchDetails | null;
  /** Fields this object does not carry yet (a list row); empty for a task loaded by id. */
  readonly missing: ReadonlySet<LazyTaskField>;
  /** When the provider reported what this object holds (its answer arrived): how fresh the data is. */
  readonly observedAt: Date;
}

export const NOTHING_MISSING: ReadonlySet<LazyTaskField> = new Set();
