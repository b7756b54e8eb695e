/** Bodies of GET /v2/geo/cache/prefetch; the first two are the examples of https://cloud.baidu.com/doc/GEO/s/Bmhsv5i9u. */

/** 响应示例1: one page, a failed record without finishedAt. */
export const DOC_EXAMPLE_SINGLE_PAGE = {
  details: [
    {
      task: { url: "http://1.test.com/test.png" },
      createdAt: "2025-11-10T02:50:39Z",
      startedAt: "2025-11-10T02:50:39Z",
      progress: 100,
      status: "failed",
      reason: "Other Error",
      operator: "xxx",
      id: "xxx",
    },
  ],
  isTruncated: false,
};

/** 响应示例2: a truncated page with a marker. */
export const DOC_EXAMPLE_TRUNCATED = {
  details: [
    {
      task: { url: "http://1.test.com/test1.png" },
      createdAt: "2025-11-10T02:50:39Z",
      startedAt: "2025-11-10T02:50:39Z",
      progress: 100,
      status: "completed",
      operator: "xxx",
      id: "xxx",
    },
    {
      task: { url: "http://1.test.com/test2.png" },
      createdAt: "2025-11-10T02:50:39Z",
      startedAt: "2025-11-10T02:50:39Z",
      progress: 100,
      status: "completed",
      operator: "xxx",
      id: "xxx",
    },
  ],
  isTruncated: true,
  nextMarker: "xxx",
};

/** A record shaped as the GEO field table types it: `task` as a one-element PrefetchTask[]. */
export function arrayTaskRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "t-array",
    status: "completed",
    task: [{ url: "https://a.example.com/app.js" }],
    createdAt: "2025-11-10T02:00:00Z",
    startedAt: "2025-11-10T02:00:05Z",
    finishedAt: "2025-11-10T02:01:00Z",
    operator: "u-1",
    progress: 100,
    ...overrides,
  };
}

/** A record that has only what Baidu always sends. */
export function bareRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "t-bare",
    status: "waiting",
    task: { url: "https://a.example.com/index.html" },
    createdAt: "2025-11-10T03:00:00Z",
    ...overrides,
  };
}

export function page(
  details: readonly unknown[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { details, isTruncated: false, ...extra };
}
