import { encodeGlobalId } from "../../../../src/domain/global-id";
import { PrefetchStatus } from "../../../../src/domain/prefetch-status";
import { NOTHING_MISSING } from "../../../../src/domain/prefetch-task";
import { UpstreamError } from "../../../../src/errors/app-error";
import {
  parsePrefetchDetail,
  parsePrefetchList,
  type WangsuStatus,
} from "../../../../src/providers/wangsu-cdn-pro/dto";
import {
  mapPrefetchDetail,
  mapPrefetchRow,
  mapStatus,
  sharedHostname,
} from "../../../../src/providers/wangsu-cdn-pro/mapper";
import { DOC_EXAMPLE_DETAIL, finishedDetail, listRow } from "./fixtures";

const OBSERVED = new Date("2025-11-10T04:00:00Z");

function detailTask(body: unknown, requestedId?: string) {
  return mapPrefetchDetail(parsePrefetchDetail(body, "main"), {
    account: "main",
    observedAt: OBSERVED,
    ...(requestedId !== undefined && { requestedId }),
  });
}

function codeThrownBy(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    return err instanceof UpstreamError ? err.code : `not an UpstreamError: ${String(err)}`;
  }
  return undefined;
}

function rowTask(row: object) {
  const [dto] = parsePrefetchList({ count: 1, prefetchRequests: [row] }, "main").prefetchRequests;
  return mapPrefetchRow(dto!, { account: "main", observedAt: OBSERVED });
}

describe("mapStatus", () => {
  it.each<[WangsuStatus, number | null, PrefetchStatus]>([
    ["waiting", null, PrefetchStatus.WAITING],
    ["waiting", 0, PrefetchStatus.WAITING],
    ["inprogress", null, PrefetchStatus.IN_PROGRESS],
    ["inprogress", 40, PrefetchStatus.IN_PROGRESS],
    ["finished", 100, PrefetchStatus.COMPLETED],
    ["finished", 0, PrefetchStatus.FAILED],
    ["finished", 50, PrefetchStatus.PARTIALLY_COMPLETED],
    ["finished", 1, PrefetchStatus.PARTIALLY_COMPLETED],
    ["finished", 99, PrefetchStatus.PARTIALLY_COMPLETED],
  ])("maps %s with successRate %p to %s", (status, rate, expected) => {
    expect(mapStatus(status, rate, "main")).toBe(expected);
  });

  it("refuses to guess the outcome of a finished request without a successRate", () => {
    expect(codeThrownBy(() => mapStatus("finished", null, "main"))).toBe("UPSTREAM_BAD_RESPONSE");
    expect(() => mapStatus("finished", null, "main")).toThrow(/without a successRate/);
  });
});

describe("mapPrefetchDetail", () => {
  it("maps the documentation's example into a complete task", () => {
    expect(detailTask(DOC_EXAMPLE_DETAIL)).toEqual({
      ref: {
        provider: "WANGSU_CDN_PRO",
        account: "main",
        taskId: "4f8553f7f30942fd8a2d247f05db3602",
        site: null,
      },
      id: encodeGlobalId({
        provider: "WANGSU_CDN_PRO",
        account: "main",
        taskId: "4f8553f7f30942fd8a2d247f05db3602",
        site: null,
      }),
      site: "example.com",
      name: "my new prefetch request",
      targets: [
        { url: "http://example.com", headers: [] },
        { url: "http://example.com/abc", headers: [{ name: "MyheaderName", value: "123" }] },
      ],
      status: PrefetchStatus.WAITING,
      providerStatus: "waiting",
      progress: null,
      successRate: 0,
      createdAt: new Date("2021-03-05T00:34:28Z"),
      startedAt: null,
      finishedAt: null,
      failureReason: null,
      operator: null,
      details: {
        kind: "WANGSU_CDN_PRO",
        name: "my new prefetch request",
        fileList: [
          { url: "http://example.com", headers: [] },
          { url: "http://example.com/abc", headers: [{ name: "MyheaderName", value: "123" }] },
        ],
        regions: ["Asia"],
        startTime: new Date("2021-03-06T00:00:00Z"),
        webhook: null,
        metadata: {
          id: "4f8553f7f30942fd8a2d247f05db3602",
          submissionTime: new Date("2021-03-05T00:34:28Z"),
          successRate: 0,
          status: "waiting",
          finishTime: null,
          apiRequestId: "889c2c5a2d9d93ce",
        },
      },
      missing: NOTHING_MISSING,
      observedAt: OBSERVED,
    });
  });

  it("marks nothing missing", () => {
    expect(detailTask(finishedDetail("t1")).missing.size).toBe(0);
  });

  it("takes createdAt from submissionTime and finishedAt from finishTime", () => {
    const task = detailTask(finishedDetail("t1"));
    expect(task.createdAt).toEqual(new Date("2024-05-01T10:00:00Z"));
    expect(task.finishedAt).toEqual(new Date("2024-05-01T10:03:30Z"));
  });

  it("leaves startedAt null: Wangsu reports no actual start, only the scheduled startTime in providerDetails", () => {
    expect(detailTask(finishedDetail("t1")).startedAt).toBeNull();
    const scheduled = detailTask({ ...finishedDetail("t2"), startTime: "2024-06-01T00:00:00Z" });
    expect(scheduled.startedAt).toBeNull();
    expect(scheduled.details).toMatchObject({ startTime: new Date("2024-06-01T00:00:00Z") });
  });

  it("maps a finished request with a 50% success rate to PARTIALLY_COMPLETED and keeps the raw rate", () => {
    const task = detailTask(finishedDetail("t1", 50));
    expect(task.status).toBe(PrefetchStatus.PARTIALLY_COMPLETED);
    expect(task.providerStatus).toBe("finished");
    expect(task.successRate).toBe(50);
  });

  it("fails a finished request without a success rate as UPSTREAM_BAD_RESPONSE", () => {
    expect(codeThrownBy(() => detailTask(finishedDetail("t1", null)))).toBe("UPSTREAM_BAD_RESPONSE");
  });

  it("keeps every detail field, with an empty regions list where none was sent", () => {
    const { regions: _drop, ...body } = finishedDetail("t1");
    expect(detailTask(body).details).toMatchObject({ kind: "WANGSU_CDN_PRO", regions: [], webhook: "wh-1" });
  });

  it("falls back to the requested id when metadata carries none", () => {
    const body = { fileList: [], metadata: { status: "waiting" } };
    expect(detailTask(body, "asked-for").ref.taskId).toBe("asked-for");
  });

  it("prefers metadata.id over the requested id", () => {
    expect(detailTask(finishedDetail("t1"), "asked-for").ref.taskId).toBe("t1");
  });

  it("fails when neither metadata nor the request names an id", () => {
    expect(codeThrownBy(() => detailTask({ fileList: [], metadata: { status: "waiting" } }))).toBe(
      "UPSTREAM_BAD_RESPONSE",
    );
  });

  it("reports no progress and no failure reason, which Wangsu does not have", () => {
    const task = detailTask(finishedDetail("t1", 0));
    expect(task.progress).toBeNull();
    expect(task.failureReason).toBeNull();
    expect(task.operator).toBeNull();
  });
});

describe("sharedHostname", () => {
  it("is the hostname when every URL shares it", () => {
    expect(sharedHostname(["https://A.example.com/x", "http://a.example.com:8080/y"])).toBe("a.example.com");
  });

  it("is null for URLs on two hostnames", () => {
    expect(sharedHostname(["https://a.example.com/x", "https://b.example.com/y"])).toBeNull();
  });

  it("is null for no URLs", () => {
    expect(sharedHostname([])).toBeNull();
  });

  it("is null when a URL does not parse", () => {
    expect(sharedHostname(["https://a.example.com/x", "not a url"])).toBeNull();
  });
});

describe("mapPrefetchRow", () => {
  it("marks targets and details as missing, to be loaded by id", () => {
    expect([...rowTask(listRow("r1", ["a.example.com"])).missing].sort()).toEqual(["details", "targets"]);
  });

  it("maps the row's own fields and leaves the missing ones null", () => {
    expect(rowTask(listRow("r1", ["a.example.com"]))).toMatchObject({
      ref: { provider: "WANGSU_CDN_PRO", account: "main", taskId: "r1", site: null },
      site: "a.example.com",
      name: "request r1",
      targets: null,
      status: PrefetchStatus.COMPLETED,
      providerStatus: "finished",
      progress: null,
      successRate: 100,
      createdAt: new Date("2024-05-01T10:00:00Z"),
      startedAt: null,
      finishedAt: new Date("2024-05-01T10:05:00Z"),
      details: null,
    });
  });

  it("has no site when the row names several hostnames", () => {
    expect(rowTask(listRow("r1", ["a.example.com", "b.example.com"])).site).toBeNull();
  });

  it("has no site when the row names no hostnames", () => {
    expect(rowTask(listRow("r1", undefined)).site).toBeNull();
  });

  it("maps a row's status like a detail's", () => {
    expect(rowTask(listRow("r1", [], { successRate: 0 })).status).toBe(PrefetchStatus.FAILED);
  });
});
