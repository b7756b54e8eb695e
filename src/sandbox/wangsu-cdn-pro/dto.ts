/**
 * The JSON shapes the emulator serves, as the CDN Pro documents describe them. Optional keys are left out
 * rather than sent as null, because that is how the documents' examples look (the example's waiting task has
 * no finishTime key at all).
 */

export type WangsuTaskStatus = "waiting" | "inprogress" | "finished";

export interface WangsuFileHeaderBody {
  readonly name: string;
  readonly value: string;
}

export interface WangsuFileBody {
  readonly url: string;
  readonly headers?: readonly WangsuFileHeaderBody[];
}

export interface WangsuMetadataBody {
  readonly id: string;
  readonly submissionTime: string;
  readonly successRate?: number;
  readonly status: WangsuTaskStatus;
  readonly finishTime?: string;
  readonly apiRequestId: string;
}

/**
 * GET /cdn/prefetches/{id}. The documents disagree on the status object's key: the field table says
 * `metadata`, the example says `metaData`. The emulator serves exactly one of the two per task.
 */
export interface WangsuDetailBody {
  readonly name?: string;
  readonly fileList: readonly WangsuFileBody[];
  readonly regions: readonly string[];
  readonly startTime?: string;
  readonly webhook?: string;
  readonly metadata?: WangsuMetadataBody;
  readonly metaData?: WangsuMetadataBody;
}

/** One row of GET /cdn/prefetches: a summary without fileList, regions, startTime or webhook. */
export interface WangsuListRowBody {
  readonly id: string;
  readonly name?: string;
  readonly status: WangsuTaskStatus;
  readonly submissionTime: string;
  readonly finishTime?: string;
  readonly successRate?: number;
  readonly apiRequestId: string;
  readonly fileEntries: number;
  readonly hostnames: readonly string[];
}

export interface WangsuListBody {
  /** All tasks matching the filter, not the length of this page. */
  readonly count: number;
  readonly prefetchRequests: readonly WangsuListRowBody[];
}

export interface WangsuErrorBody {
  readonly code: string;
  readonly message: string;
}
