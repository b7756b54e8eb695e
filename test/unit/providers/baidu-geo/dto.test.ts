import { type AppError, UpstreamError } from "../../../../src/errors/app-error";
import { parseBaiduTimestamp, parseListResponse } from "../../../../src/providers/baidu-geo/dto";
import {
  arrayTaskRecord,
  bareRecord,
  DOC_EXAMPLE_SINGLE_PAGE,
  DOC_EXAMPLE_TRUNCATED,
  page,
} from "./fixtures";

function badResponse(fn: () => unknown): UpstreamError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as AppError).code).toBe("UPSTREAM_BAD_RESPONSE");
    return error as UpstreamError;
  }
  throw new Error("expected UPSTREAM_BAD_RESPONSE, nothing was thrown");
}

/** One record, narrowed the way a page's records are. */
function parseRecord(record: unknown) {
  const [only] = parseListResponse(page([record]), "main").details;
  if (only === undefined) throw new Error("no record narrowed");
  return only;
}

describe("Baidu GEO response narrowing", () => {
  it("accepts the documented single-page example as it is", () => {
    const dto = parseListResponse(DOC_EXAMPLE_SINGLE_PAGE, "main");
    expect(dto).toEqual({
      details: [
        {
          id: "xxx",
          status: "failed",
          task: { url: "http://1.test.com/test.png" },
          createdAt: new Date("2025-11-10T02:50:39Z"),
          startedAt: new Date("2025-11-10T02:50:39Z"),
          finishedAt: null,
          operator: "xxx",
          progress: 100,
          reason: "Other Error",
        },
      ],
      isTruncated: false,
      nextMarker: null,
    });
  });

  it("keeps the marker of the documented truncated example", () => {
    const dto = parseListResponse(DOC_EXAMPLE_TRUNCATED, "main");
    expect(dto.isTruncated).toBe(true);
    expect(dto.nextMarker).toBe("xxx");
    expect(dto.details).toHaveLength(2);
  });

  it("keeps a one-element task list as a list", () => {
    expect(parseRecord(arrayTaskRecord()).task).toEqual([{ url: "https://a.example.com/app.js" }]);
  });

  it.each([99.5, -1, 101])("rejects the progress %j: an Int percentage is documented", (progress) => {
    expect(() => parseRecord(bareRecord({ progress }))).toThrow(UpstreamError);
  });

  it("turns absent and null optional fields into null", () => {
    const record = parseRecord(bareRecord({ reason: null }));
    expect(record).toMatchObject({
      startedAt: null,
      finishedAt: null,
      operator: null,
      progress: null,
      reason: null,
    });
  });

  it("ignores fields it does not know", () => {
    expect(parseRecord(bareRecord({ region: "cn" }))).not.toHaveProperty("region");
  });

  it.each([
    ["a body that is not an object", [1]],
    ["a body without details", { isTruncated: false }],
    ["details that are not a list", { details: {}, isTruncated: false }],
    ["a body without isTruncated", { details: [] }],
    ["an isTruncated that is not a boolean", { details: [], isTruncated: "false" }],
    ["a nextMarker that is not a string", { details: [], isTruncated: true, nextMarker: 3 }],
  ])("rejects %s", (_name, body) => {
    badResponse(() => parseListResponse(body, "main"));
  });

  it.each([
    ["a record that is not an object", "x"],
    ["a missing id", bareRecord({ id: undefined })],
    ["a numeric id", bareRecord({ id: 42 })],
    ["an unknown status", bareRecord({ status: "done" })],
    ["a status in other case", bareRecord({ status: "Completed" })],
    ["a missing task", bareRecord({ task: undefined })],
    ["a task that is a string", bareRecord({ task: "https://a.example.com/" })],
    ["an empty task list", bareRecord({ task: [] })],
    ["a task list of two", bareRecord({ task: [{ url: "https://a/1" }, { url: "https://a/2" }] })],
    ["a task without url", bareRecord({ task: { uri: "https://a/1" } })],
    ["a missing createdAt", bareRecord({ createdAt: undefined })],
    ["a progress that is a string", bareRecord({ progress: "100" })],
    ["an operator that is a number", bareRecord({ operator: 7 })],
  ])("rejects %s", (_name, record) => {
    badResponse(() => parseListResponse(page([record]), "main"));
  });

  it.each([
    ["a space instead of T", "2025-11-10 02:50:39Z"],
    ["no zone", "2025-11-10T02:50:39"],
    ["an offset", "2025-11-10T02:50:39+08:00"],
    ["microseconds", "2025-11-10T02:50:39.123456Z"],
    ["a day that does not exist", "2025-02-30T00:00:00Z"],
    ["hour 24", "2025-11-10T24:00:00Z"],
    ["epoch seconds", 1762743039],
  ])("rejects a timestamp with %s", (_name, value) => {
    badResponse(() => parseListResponse(page([bareRecord({ startedAt: value })]), "main"));
  });

  it("names the offending field and the account in the error", () => {
    const error = badResponse(() =>
      parseListResponse(page([bareRecord(), bareRecord({ status: "done" })]), "acct"),
    );
    expect(error.message).toContain("details[1].status");
    expect(error.message).toContain('"done"');
    expect(error.extensions).toEqual({ provider: "BAIDU_GEO", account: "acct" });
  });

  it("reads timestamps with and without milliseconds", () => {
    expect(parseBaiduTimestamp("2025-11-10T02:50:39Z")?.toISOString()).toBe("2025-11-10T02:50:39.000Z");
    expect(parseBaiduTimestamp("2024-02-29T23:59:59.250Z")?.toISOString()).toBe("2024-02-29T23:59:59.250Z");
    expect(parseBaiduTimestamp("2025-02-29T00:00:00Z")).toBeNull();
  });
});
