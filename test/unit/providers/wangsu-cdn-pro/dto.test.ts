import { UpstreamError } from "../../../../src/errors/app-error";
import {
  ERROR_REQUEST_ID_KEYS,
  parsePrefetchDetail,
  parsePrefetchList,
} from "../../../../src/providers/wangsu-cdn-pro/dto";
import { readErrorBody } from "../../../../src/providers/shared/json-reader";
import { DOC_EXAMPLE_DETAIL, finishedDetail, listRow } from "./fixtures";

function badResponse(run: () => unknown): UpstreamError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).code).toBe("UPSTREAM_BAD_RESPONSE");
    return err as UpstreamError;
  }
  throw new Error("expected UPSTREAM_BAD_RESPONSE, nothing was thrown");
}

function withMetadata(changes: Record<string, unknown>): unknown {
  const body = finishedDetail("t1");
  return { ...body, metadata: { ...(body.metadata as object), ...changes } };
}

describe("parsePrefetchDetail", () => {
  it("reads the documentation's example, spelled metaData", () => {
    expect(parsePrefetchDetail(DOC_EXAMPLE_DETAIL, "main")).toEqual({
      name: "my new prefetch request",
      fileList: [
        { url: "http://example.com", headers: null },
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
    });
  });

  it("reads metadata spelled as in the API table", () => {
    expect(parsePrefetchDetail(finishedDetail("t1", 50), "main").metadata).toMatchObject({
      id: "t1",
      successRate: 50,
    });
  });

  it("reads the metadata key in any casing", () => {
    const { metadata, ...rest } = finishedDetail("t1");
    expect(parsePrefetchDetail({ ...rest, MetaData: metadata }, "main").metadata.id).toBe("t1");
  });

  it("rejects a fractional success rate: it is documented, and served, as an integer", () => {
    expect(() =>
      parsePrefetchDetail({ fileList: [], metadata: { status: "finished", successRate: 99.5 } }, "main"),
    ).toThrow(UpstreamError);
  });

  it("turns absent optional fields into nulls", () => {
    const dto = parsePrefetchDetail({ fileList: [], metadata: { status: "inprogress" } }, "main");
    expect(dto).toEqual({
      name: null,
      fileList: [],
      regions: null,
      startTime: null,
      webhook: null,
      metadata: {
        id: null,
        submissionTime: null,
        successRate: null,
        status: "inprogress",
        finishTime: null,
        apiRequestId: null,
      },
    });
  });

  it("treats explicit JSON nulls as absent", () => {
    const dto = parsePrefetchDetail(withMetadata({ finishTime: null, successRate: null }), "main");
    expect(dto.metadata).toMatchObject({ finishTime: null, successRate: null });
  });

  it("accepts RFC 3339 timestamps with an offset", () => {
    const dto = parsePrefetchDetail(withMetadata({ finishTime: "2024-05-01T18:03:30+08:00" }), "main");
    expect(dto.metadata.finishTime).toEqual(new Date("2024-05-01T10:03:30Z"));
  });

  it("rejects a body that is not an object", () => {
    badResponse(() => parsePrefetchDetail([], "main"));
  });

  it("rejects a body without metadata", () => {
    const { metadata: _drop, ...rest } = finishedDetail("t1");
    expect(badResponse(() => parsePrefetchDetail(rest, "main")).message).toContain("metadata");
  });

  it("rejects a body without fileList", () => {
    const { fileList: _drop, ...rest } = finishedDetail("t1");
    expect(badResponse(() => parsePrefetchDetail(rest, "main")).message).toContain("fileList");
  });

  it("rejects a file whose url is not a string", () => {
    const body = { ...finishedDetail("t1"), fileList: [{ url: 42 }] };
    expect(badResponse(() => parsePrefetchDetail(body, "main")).message).toContain("fileList[0].url");
  });

  it("rejects a header whose value is not a string", () => {
    const body = {
      ...finishedDetail("t1"),
      fileList: [{ url: "https://a.example.com/", headers: [{ name: "X", value: 1 }] }],
    };
    expect(badResponse(() => parsePrefetchDetail(body, "main")).message).toContain(
      "fileList[0].headers[0].value",
    );
  });

  it("rejects regions that are not a list of strings", () => {
    badResponse(() => parsePrefetchDetail({ ...finishedDetail("t1"), regions: "Asia" }, "main"));
  });

  it("rejects a status it does not know", () => {
    const err = badResponse(() => parsePrefetchDetail(withMetadata({ status: "failed" }), "main"));
    expect(err.message).toContain("metadata.status");
  });

  it("rejects a timestamp that is not RFC 3339", () => {
    badResponse(() => parsePrefetchDetail(withMetadata({ submissionTime: "2024-05-01 10:00:00" }), "main"));
  });

  it("rejects a timestamp without a zone", () => {
    badResponse(() => parsePrefetchDetail(withMetadata({ submissionTime: "2024-05-01T10:00:00" }), "main"));
  });

  it("rejects a calendar date that does not exist", () => {
    badResponse(() => parsePrefetchDetail(withMetadata({ finishTime: "2021-02-30T00:00:00Z" }), "main"));
  });

  it("rejects a success rate above 100", () => {
    badResponse(() => parsePrefetchDetail(withMetadata({ successRate: 101 }), "main"));
  });

  it("rejects a negative success rate", () => {
    badResponse(() => parsePrefetchDetail(withMetadata({ successRate: -1 }), "main"));
  });

  it("rejects a success rate sent as a string", () => {
    badResponse(() => parsePrefetchDetail(withMetadata({ successRate: "100" }), "main"));
  });

  it("names the provider and account in the error, not the offending value", () => {
    const err = badResponse(() => parsePrefetchDetail(withMetadata({ status: "s3cr3t-looking" }), "main"));
    expect(err.message).toContain("Wangsu CDN Pro");
    expect(err.message).not.toContain("s3cr3t-looking");
    expect(err.extensions).toMatchObject({ provider: "WANGSU_CDN_PRO", account: "main" });
  });
});

describe("parsePrefetchList", () => {
  it("reads the count and every row field", () => {
    const dto = parsePrefetchList({ count: 1, prefetchRequests: [listRow("r1", ["a.example.com"])] }, "main");
    expect(dto).toEqual({
      count: 1,
      prefetchRequests: [
        {
          id: "r1",
          name: "request r1",
          status: "finished",
          submissionTime: new Date("2024-05-01T10:00:00Z"),
          finishTime: new Date("2024-05-01T10:05:00Z"),
          successRate: 100,
          apiRequestId: "req-r1",
          fileEntries: 2,
          hostnames: ["a.example.com"],
        },
      ],
    });
  });

  it("turns a row's absent fields into nulls", () => {
    const dto = parsePrefetchList({ count: 1, prefetchRequests: [{ id: "r1", status: "waiting" }] }, "main");
    expect(dto.prefetchRequests[0]).toEqual({
      id: "r1",
      name: null,
      status: "waiting",
      submissionTime: null,
      finishTime: null,
      successRate: null,
      apiRequestId: null,
      fileEntries: null,
      hostnames: null,
    });
  });

  it("rejects a negative count", () => {
    badResponse(() => parsePrefetchList({ count: -1, prefetchRequests: [] }, "main"));
  });

  it("rejects a body without prefetchRequests", () => {
    badResponse(() => parsePrefetchList({ count: 0 }, "main"));
  });

  it("rejects a row without an id", () => {
    const err = badResponse(() =>
      parsePrefetchList({ count: 1, prefetchRequests: [{ status: "waiting" }] }, "main"),
    );
    expect(err.message).toContain("prefetchRequests[0].id");
  });

  it("rejects hostnames that are not a list", () => {
    badResponse(() =>
      parsePrefetchList(
        { count: 1, prefetchRequests: [listRow("r1", undefined, { hostnames: "a" })] },
        "main",
      ),
    );
  });
});

describe("Wangsu error bodies", () => {
  it("reads the documented code and message", () => {
    expect(
      readErrorBody(
        '{"code":"InvalidPrefetchTaskId","message":"The specified prefetch task ID does not exist."}',
        ERROR_REQUEST_ID_KEYS,
      ),
    ).toEqual({
      code: "InvalidPrefetchTaskId",
      message: "The specified prefetch task ID does not exist.",
      requestId: null,
    });
  });

  it("takes apiRequestId, the name Wangsu gives its request ids, before requestId", () => {
    expect(readErrorBody('{"apiRequestId":"a-1","requestId":"r-1"}', ERROR_REQUEST_ID_KEYS).requestId).toBe(
      "a-1",
    );
    expect(readErrorBody('{"requestId":"r-1"}', ERROR_REQUEST_ID_KEYS).requestId).toBe("r-1");
  });
});
