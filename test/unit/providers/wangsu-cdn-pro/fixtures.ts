/** Upstream bodies as Wangsu CDN Pro sends them. */

/** The detail API's own 200 example (https://www.wangsu.com/document/api-doc/26298), `metaData` spelling and all. */
export const DOC_EXAMPLE_DETAIL = {
  name: "my new prefetch request",
  fileList: [
    { url: "http://example.com" },
    { url: "http://example.com/abc", headers: [{ name: "MyheaderName", value: "123" }] },
  ],
  regions: ["Asia"],
  startTime: "2021-03-06T00:00:00Z",
  metaData: {
    id: "4f8553f7f30942fd8a2d247f05db3602",
    submissionTime: "2021-03-05T00:34:28Z",
    successRate: 0,
    status: "waiting",
    apiRequestId: "889c2c5a2d9d93ce",
  },
};

/**
 * A finished request with every documented field, `metadata` spelled as in the API table. A null successRate is
 * left out of the body.
 */
export function finishedDetail(id: string, successRate: number | null = 100): Record<string, unknown> {
  return {
    name: `warm ${id}`,
    fileList: [{ url: "https://a.example.com/one.js" }, { url: "https://a.example.com/two.css" }],
    regions: ["Asia", "Europe"],
    webhook: "wh-1",
    metadata: {
      id,
      submissionTime: "2024-05-01T10:00:00Z",
      ...(successRate !== null && { successRate }),
      status: "finished",
      finishTime: "2024-05-01T10:03:30Z",
      apiRequestId: `req-${id}`,
    },
  };
}

export function listRow(id: string, hostnames: readonly string[] | undefined, extra: object = {}): object {
  return {
    id,
    name: `request ${id}`,
    status: "finished",
    submissionTime: "2024-05-01T10:00:00Z",
    finishTime: "2024-05-01T10:05:00Z",
    successRate: 100,
    apiRequestId: `req-${id}`,
    fileEntries: 2,
    ...(hostnames !== undefined && { hostnames }),
    ...extra,
  };
}
