/** Unified task status; each provider's raw value maps onto it and stays available as providerStatus. */
export const PrefetchStatus = {
  WAITING: "WAITING",
  IN_PROGRESS: "IN_PROGRESS",
  COMPLETED: "COMPLETED",
  PARTIALLY_COMPLETED: "PARTIALLY_COMPLETED",
  FAILED: "FAILED",
} as const;
export type PrefetchStatus = (typeof PrefetchStatus)[keyof typeof PrefetchStatus];

export function isFinished(status: PrefetchStatus): boolean {
  return status !== PrefetchStatus.WAITING && status !== PrefetchStatus.IN_PROGRESS;
}
