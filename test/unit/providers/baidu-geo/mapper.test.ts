import type { AppError } from "../../../../src/errors/app-error";
import { NOTHING_MISSING } from "../../../../src/domain/prefetch-task";
import type { ListPage } from "../../../../src/providers/provider";
import { parseListResponse } from "../../../../src/providers/baidu-geo/dto";
import { encodeGlobalId } from "../../../../src/domain/global-id";
import {
  pickRecord,
  submissionLookupError,
  toListPage,
  toPrefetchTask,
} from "../../../../src/providers/baidu-geo/mapper";
import {
  arrayTaskRecord,
  bareRecord,
  DOC_EXAMPLE_SINGLE_PAGE,
  DOC_EXAMPLE_TRUNCATED,
  page,
} from "./fixtures";

const context = { account: "main", site: "test.com", observedAt: new Date("2025-11-10T04:00:00Z") };

/** Body → page, the way the provider does it. */
function mapBody(body: unknown): ListPage {
  return toListPage(parseListResponse(body, context.account), context);
}

function firstTask(body: unknown) {
  const task = mapBody(body).tasks[0];
  if (task === undefined) throw new Error("no task mapped");
  return task;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as AppError).code;
  }
  return undefined;
}

describe("Baidu GEO mapping", () => {
  it("maps the documented failed record, whose finishedAt is missing, to a FAILED task", () => {
    expect(firstTask(DOC_EXAMPLE_SINGLE_PAGE)).toEqual({
      ref: {
        provider: "BAIDU_GEO",
        account: "main",
        taskId: "xxx",
        site: "test.com",
        createdAt: new Date("2025-11-10T02:50:39Z"),
      },
      // The global id, computed once at mapping: the ref's, createdAt hint included.
      id: encodeGlobalId({
        provider: "BAIDU_GEO",
        account: "main",
        taskId: "xxx",
        site: "test.com",
        createdAt: new Date("2025-11-10T02:50:39Z"),
      }),
      site: "test.com",
      name: null,
      targets: [{ url: "http://1.test.com/test.png", headers: [] }],
      status: "FAILED",
      providerStatus: "failed",
      progress: 100,
      successRate: 0,
      createdAt: new Date("2025-11-10T02:50:39Z"),
      startedAt: new Date("2025-11-10T02:50:39Z"),
      finishedAt: null,
      failureReason: "Other Error",
      operator: "xxx",
      details: {
        kind: "BAIDU_GEO",
        site: "test.com",
        id: "xxx",
        status: "failed",
        url: "http://1.test.com/test.png",
        progress: 100,
        reason: "Other Error",
        operator: "xxx",
        createdAt: new Date("2025-11-10T02:50:39Z"),
        startedAt: new Date("2025-11-10T02:50:39Z"),
        finishedAt: null,
      },
      missing: NOTHING_MISSING,
      observedAt: context.observedAt,
    });
  });

  it("maps the documented truncated page in order and hands its marker on as the next page token", () => {
    const mapped = mapBody(DOC_EXAMPLE_TRUNCATED);
    expect(mapped.tasks.map((t) => t.targets?.[0]?.url)).toEqual([
      "http://1.test.com/test1.png",
      "http://1.test.com/test2.png",
    ]);
    expect(mapped.tasks.map((t) => [t.status, t.successRate])).toEqual([
      ["COMPLETED", 100],
      ["COMPLETED", 100],
    ]);
    expect(mapped.nextPageToken).toBe("xxx");
  });

  it("reads the URL of a task sent as a one-element list", () => {
    const task = firstTask(page([arrayTaskRecord()]));
    expect(task.targets).toEqual([{ url: "https://a.example.com/app.js", headers: [] }]);
    expect(task.finishedAt).toEqual(new Date("2025-11-10T02:01:00Z"));
  });

  it.each([
    ["waiting", "WAITING", null],
    ["in-progress", "IN_PROGRESS", null],
    ["completed", "COMPLETED", 100],
    ["failed", "FAILED", 0],
  ])("maps status %s to %s with success rate %p", (raw, status, successRate) => {
    const task = firstTask(page([bareRecord({ status: raw })]));
    expect(task).toMatchObject({ status, providerStatus: raw, successRate });
  });

  it("leaves null whatever Baidu did not send", () => {
    const task = firstTask(page([bareRecord()]));
    expect(task).toMatchObject({
      progress: null,
      startedAt: null,
      finishedAt: null,
      failureReason: null,
      operator: null,
      name: null,
    });
    expect(task.details).toMatchObject({ progress: null, reason: null, operator: null, startedAt: null });
  });

  it("marks list rows as complete, since Baidu has nothing more to say about a record", () => {
    expect(firstTask(page([bareRecord()])).missing.size).toBe(0);
  });

  it("rejects a record with an unknown status", () => {
    expect(codeOf(() => mapBody(page([bareRecord({ status: "cancelled" })])))).toBe("UPSTREAM_BAD_RESPONSE");
  });

  it("rejects a record with a timestamp that is not Baidu's format", () => {
    expect(codeOf(() => mapBody(page([bareRecord({ createdAt: "10/11/2025 02:50" })])))).toBe(
      "UPSTREAM_BAD_RESPONSE",
    );
  });

  it("rejects a truncated page that carries no marker, rather than silently ending the window", () => {
    expect(codeOf(() => mapBody(page([], { isTruncated: true })))).toBe("UPSTREAM_BAD_RESPONSE");
    expect(codeOf(() => mapBody(page([], { isTruncated: true, nextMarker: "" })))).toBe(
      "UPSTREAM_BAD_RESPONSE",
    );
  });

  it("ends the window on a page that is not truncated, even if a marker came along", () => {
    expect(mapBody(page([], { nextMarker: "stale" })).nextPageToken).toBeNull();
  });

  it("picks the latest record of an id a by-id query returned several times", () => {
    const dto = parseListResponse(
      page([
        bareRecord({ id: "t-1", createdAt: "2025-11-10T03:00:00Z", status: "failed" }),
        bareRecord({ id: "t-1", createdAt: "2025-11-11T03:00:00Z", status: "completed" }),
        bareRecord({ id: "t-2", createdAt: "2025-11-12T03:00:00Z", status: "waiting" }),
        bareRecord({ id: "t-1", createdAt: "2025-11-09T03:00:00Z", status: "waiting" }),
      ]),
      "main",
    );
    expect(pickRecord(dto, "t-1")?.status).toBe("completed");
  });

  it("gives a record the same global id whether it came from a list page or a lookup", () => {
    const dto = parseListResponse(page([bareRecord({ id: "t-1" })]), "main");
    const listed = mapBody(page([bareRecord({ id: "t-1" })])).tasks[0]!;
    const looked = toPrefetchTask(pickRecord(dto, "t-1")!, context);
    expect(listed.ref.createdAt).toEqual(new Date("2025-11-10T03:00:00Z"));
    expect(encodeGlobalId(looked.ref)).toBe(encodeGlobalId(listed.ref));
  });

  it("tells a client that asked for a submission id where its URL records are", () => {
    const dto = parseListResponse(
      page([
        bareRecord({ id: "u-1", createdAt: "2025-11-10T03:00:00Z" }),
        bareRecord({ id: "u-2", createdAt: "2025-11-10T03:00:00Z" }),
      ]),
      "main",
    );
    const error = submissionLookupError("s-1", dto.details);
    expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { argumentName: "taskId" } });
    expect(error.message).toBe(
      '"s-1" is a Baidu prefetch submission with 2 URL records; prefetch-graph serves each URL record as a task: list them with prefetchTasks (the submission was created at 2025-11-10T03:00:00Z), or look one up by its record id.',
    );
    expect(submissionLookupError("s-1", dto.details.slice(0, 1)).message).toContain("with 1 URL record;");
  });

  it("picks nothing when no record has the id asked for", () => {
    const dto = parseListResponse(page([bareRecord({ id: "t-2" })]), "main");
    expect(pickRecord(dto, "t-1")).toBeNull();
  });
});
