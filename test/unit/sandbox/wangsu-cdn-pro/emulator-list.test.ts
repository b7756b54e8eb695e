import { startWangsuCdnProSandbox, type WangsuCdnProSandbox } from "../../../../src/sandbox/wangsu-cdn-pro";
import {
  ANCHOR,
  DAY_MS,
  NOW,
  USER,
  call,
  listPath,
  wholeSpan,
  type ListBody,
  type ListRow,
} from "./sandbox-client";

let sandbox: WangsuCdnProSandbox;

beforeAll(async () => {
  sandbox = await startWangsuCdnProSandbox({ credentials: [USER], now: () => NOW });
});

afterAll(async () => {
  await sandbox.close();
});

async function list(path: string): Promise<ListBody> {
  const res = await call(sandbox, path);
  expect(res.status).toBe(200);
  return res.json<ListBody>();
}

/** Every row of a window, paging with the maximum limit. */
async function collect(window: { start: Date; end: Date }, extra: Record<string, string | number> = {}) {
  const rows: ListRow[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await list(listPath(window, { ...extra, offset, limit: 200 }));
    rows.push(...page.prefetchRequests);
    if (page.prefetchRequests.length < 200)
      return { rows, ids: rows.map((row) => row.id), count: page.count };
  }
}

async function listError(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await call(sandbox, path);
  return { status: res.status, body: res.json() };
}

describe("GET /cdn/prefetches on the Wangsu CDN Pro emulator", () => {
  it("anchors the data at the start-up minute", () => {
    expect(sandbox.anchor).toEqual(ANCHOR);
  });

  it("pages with limit 200 through every id of the window once, in taskIds() order", async () => {
    const window = wholeSpan(sandbox);
    const { ids, count } = await collect(window);
    expect(ids).toEqual(sandbox.taskIds(window));
    expect(new Set(ids).size).toBe(ids.length);
    expect(count).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(200);
  });

  it("counts every matching task, not the rows of the page", async () => {
    const page = await list(listPath(wholeSpan(sandbox), { limit: 7 }));
    expect(page.prefetchRequests).toHaveLength(7);
    expect(page.count).toBe(sandbox.taskIds(wholeSpan(sandbox)).length);
  });

  it("returns 100 rows when no limit is given", async () => {
    expect((await list(listPath(wholeSpan(sandbox)))).prefetchRequests).toHaveLength(100);
  });

  it("returns an empty page with the full count past the end", async () => {
    const page = await list(listPath(wholeSpan(sandbox), { offset: 10_000 }));
    expect(page.prefetchRequests).toEqual([]);
    expect(page.count).toBe(sandbox.taskIds(wholeSpan(sandbox)).length);
  });

  it("includes tasks submitted exactly on either bound of the window", async () => {
    const onAnchor = await list(listPath({ start: ANCHOR, end: ANCHOR }));
    expect(onAnchor.prefetchRequests.map((row) => row.id)).toEqual(
      sandbox.taskIds({ start: ANCHOR, end: ANCHOR }),
    );
    expect(onAnchor.count).toBeGreaterThanOrEqual(1);
  });

  it("restricts rows to a narrower window", async () => {
    const window = {
      start: new Date(ANCHOR.getTime() - 7 * DAY_MS),
      end: new Date(ANCHOR.getTime() - 3 * DAY_MS),
    };
    const { ids } = await collect(window);
    expect(ids).toEqual(sandbox.taskIds(window));
    expect(ids.length).toBeLessThan(sandbox.taskIds(wholeSpan(sandbox)).length);
  });

  it("accepts fractional seconds in startdate and enddate", async () => {
    const page = await list(
      "/cdn/prefetches?startdate=2024-04-30T12:00:00.000Z&enddate=2024-05-01T12:00:00.5Z",
    );
    expect(page.count).toBe(sandbox.taskIds({ start: new Date("2024-04-30T12:00:00Z"), end: ANCHOR }).length);
  });

  it("serves the last 24 hours when startdate and enddate are omitted", async () => {
    const page = await list("/cdn/prefetches?limit=200");
    const window = { start: new Date(NOW.getTime() - DAY_MS), end: NOW };
    expect(page.prefetchRequests.map((row) => row.id)).toEqual(sandbox.taskIds(window));
  });

  it("serves list rows without fileList, regions, startTime or webhook", async () => {
    const page = await list(listPath(wholeSpan(sandbox), { limit: 200 }));
    for (const row of page.prefetchRequests) {
      expect(
        Object.keys(row).filter((key) => ["fileList", "regions", "startTime", "webhook"].includes(key)),
      ).toEqual([]);
      expect(row).toMatchObject({
        id: expect.any(String),
        status: expect.any(String),
        submissionTime: expect.any(String),
        apiRequestId: expect.any(String),
        fileEntries: expect.any(Number),
        hostnames: expect.any(Array),
      });
    }
  });

  it("filters by hostname through search", async () => {
    const window = wholeSpan(sandbox);
    for (const hostname of sandbox.hostnames) {
      const { ids } = await collect(window, { search: hostname });
      expect(ids).toEqual(sandbox.taskIds(window, hostname));
      expect(ids.length).toBeGreaterThan(0);
    }
  });

  it("matches search against names case-insensitively", async () => {
    const page = await list(listPath(wholeSpan(sandbox), { search: "NIGHTLY asset", limit: 200 }));
    expect(page.count).toBeGreaterThan(0);
    expect(page.prefetchRequests.every((row) => row.name === "Nightly asset preload")).toBe(true);
  });

  it("matches search against ids", async () => {
    const id = sandbox.taskIds(wholeSpan(sandbox))[42]!;
    const page = await list(listPath(wholeSpan(sandbox), { search: id }));
    expect(page.prefetchRequests.map((row) => row.id)).toEqual([id]);
  });

  it("sorts by submission time ascending when asked", async () => {
    const { ids } = await collect(wholeSpan(sandbox), { sortOrder: "asc" });
    expect(ids).toEqual([...sandbox.taskIds(wholeSpan(sandbox))].reverse());
  });

  it("sorts by finish time, tasks without one last", async () => {
    const { rows } = await collect(wholeSpan(sandbox), { sortBy: "finishTime", sortOrder: "asc" });
    const finishTimes = rows.map((row) => row.finishTime);
    const firstMissing = finishTimes.indexOf(undefined);
    expect(firstMissing).toBeGreaterThan(0);
    const present = finishTimes.slice(0, firstMissing);
    expect(present).toEqual([...present].sort());
    expect(finishTimes.slice(firstMissing).every((t) => t === undefined)).toBe(true);
  });

  it("refuses limit 201 with 400 InvalidParameter", async () => {
    const { status, body } = await listError(listPath(wholeSpan(sandbox), { limit: 201 }));
    expect(status).toBe(400);
    expect(body).toEqual({ code: "InvalidParameter", message: expect.stringContaining("limit") });
  });

  it.each([
    ["startdate that is not RFC 3339", "/cdn/prefetches?startdate=2024-05-01&enddate=2024-05-02T00:00:00Z"],
    [
      "enddate with a zone offset",
      "/cdn/prefetches?startdate=2024-05-01T00:00:00Z&enddate=2024-05-02T00:00:00+08:00",
    ],
    [
      "startdate after enddate",
      "/cdn/prefetches?startdate=2024-05-02T00:00:00Z&enddate=2024-05-01T00:00:00Z",
    ],
    ["a negative offset", "/cdn/prefetches?offset=-1"],
    ["limit 0", "/cdn/prefetches?limit=0"],
    ["an unknown sortBy", "/cdn/prefetches?sortBy=name"],
    ["an unknown sortOrder", "/cdn/prefetches?sortOrder=random"],
  ])("refuses %s with 400 InvalidParameter", async (_label, path) => {
    const { status, body } = await listError(path);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: "InvalidParameter" });
  });
});
