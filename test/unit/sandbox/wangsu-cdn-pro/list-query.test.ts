import {
  DEFAULT_WINDOW_MS,
  compareTasks,
  parseListQuery,
  parseRfc3339Utc,
  type ListQuery,
} from "../../../../src/sandbox/wangsu-cdn-pro/list-query";
import type { SeededTask } from "../../../../src/sandbox/wangsu-cdn-pro/seed-data";

const NOW_MS = Date.UTC(2024, 4, 1, 12, 0, 30);

function parse(query: string): ReturnType<typeof parseListQuery> {
  return parseListQuery(new URLSearchParams(query), NOW_MS);
}

function parsed(query: string): ListQuery {
  const result = parse(query);
  if (!result.ok) throw new Error(result.message);
  return result.query;
}

function task(id: string, submissionMs: number, finishMs?: number): SeededTask {
  return {
    id,
    fileList: [{ url: "https://www.example.com/" }],
    hostnames: ["www.example.com"],
    regions: [],
    submissionMs,
    ...(finishMs === undefined ? {} : { finishMs }),
    status: finishMs === undefined ? "inprogress" : "finished",
    apiRequestId: "0000000000000000",
    metadataKey: "metadata",
  };
}

describe("parseRfc3339Utc", () => {
  it("reads the documented form", () => {
    expect(parseRfc3339Utc("2021-03-01T01:00:00Z")).toBe(Date.UTC(2021, 2, 1, 1));
  });

  it("keeps fractional seconds to the millisecond", () => {
    expect(parseRfc3339Utc("2021-03-01T01:00:00.123456Z")).toBe(Date.UTC(2021, 2, 1, 1, 0, 0, 123));
  });

  it.each([
    ["a zone offset", "2021-03-01T01:00:00+08:00"],
    ["no zone", "2021-03-01T01:00:00"],
    ["a date only", "2021-03-01"],
    ["a month that does not exist", "2021-13-01T01:00:00Z"],
    ["a day that does not exist", "2021-04-31T01:00:00Z"],
    ["an epoch number", "1614560400"],
  ])("rejects %s", (_label, value) => {
    expect(parseRfc3339Utc(value)).toBeNull();
  });
});

describe("parseListQuery", () => {
  it("defaults to offset 0, limit 100, newest submissions first", () => {
    expect(parsed("startdate=2024-04-01T00:00:00Z&enddate=2024-05-01T00:00:00Z")).toEqual({
      startMs: Date.UTC(2024, 3, 1),
      endMs: Date.UTC(2024, 4, 1),
      offset: 0,
      limit: 100,
      sortBy: "submissionTime",
      sortOrder: "desc",
    });
  });

  it("uses the last 24 hours when startdate and enddate are omitted", () => {
    expect(parsed("")).toMatchObject({ startMs: NOW_MS - DEFAULT_WINDOW_MS, endMs: NOW_MS });
  });

  it("keeps a non-empty search string and drops an empty one", () => {
    expect(parsed("search=Video").search).toBe("Video");
    expect(parsed("search=")).not.toHaveProperty("search");
  });

  it.each([
    ["an unparseable startdate", "startdate=yesterday", "startdate"],
    ["an unparseable enddate", "enddate=2024-05-01", "enddate"],
    ["startdate after enddate", "startdate=2024-05-02T00:00:00Z&enddate=2024-05-01T00:00:00Z", "startdate"],
    ["a negative offset", "offset=-1", "offset"],
    ["a limit of 0", "limit=0", "limit"],
    ["a limit of 201", "limit=201", "limit"],
    ["a fractional limit", "limit=1.5", "limit"],
    ["an unknown sortBy", "sortBy=name", "sortBy"],
    ["an unknown sortOrder", "sortOrder=up", "sortOrder"],
  ])("rejects %s, naming the parameter", (_label, query, parameter) => {
    const result = parse(query);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.message).toContain(parameter);
  });

  it("accepts the documented maximum limit of 200", () => {
    expect(parsed("limit=200").limit).toBe(200);
  });
});

describe("compareTasks", () => {
  const a = task("a", 1_000, 5_000);
  const b = task("b", 2_000, 3_000);
  const c = task("c", 2_000);
  const d = task("d", 2_000, 3_000);

  it("orders by submission time, newest first, ties by id in the same direction", () => {
    expect([a, b, c, d].sort(compareTasks("submissionTime", "desc")).map((t) => t.id)).toEqual([
      "d",
      "c",
      "b",
      "a",
    ]);
  });

  it("reverses that order for ascending", () => {
    expect([d, c, b, a].sort(compareTasks("submissionTime", "asc")).map((t) => t.id)).toEqual([
      "a",
      "b",
      "c",
      "d",
    ]);
  });

  it("puts tasks without a finish time last in either direction when sorting by finish time", () => {
    expect([c, a, b, d].sort(compareTasks("finishTime", "asc")).map((t) => t.id)).toEqual([
      "b",
      "d",
      "a",
      "c",
    ]);
    expect([c, b, d, a].sort(compareTasks("finishTime", "desc")).map((t) => t.id)).toEqual([
      "a",
      "d",
      "b",
      "c",
    ]);
  });
});
