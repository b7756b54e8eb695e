import type { PrefetchStatus } from "../../../src/domain/prefetch-status";
import type { PrefetchTask } from "../../../src/domain/prefetch-task";
import { CursorCodec } from "../../../src/pagination/cursor";
import {
  PagingEngine,
  type ConnectionRequest,
  type PrefetchConnection,
} from "../../../src/pagination/paging-engine";
import type { ListPage, ListQuery, PrefetchProvider } from "../../../src/providers/provider";
import { rejectionCode } from "../../support/error-codes";

/** Counts the HMACs a codec computes, through its one signing seam. */
class CountingCodec extends CursorCodec {
  signatures = 0;
  protected override sign(signed: string): string {
    this.signatures++;
    return super.sign(signed);
  }
}

const DAY = 24 * 3600 * 1000;
const START = new Date("2026-01-01T00:00:00Z");

/**
 * An in-memory provider: `windows[w]` is the pages of the w-th day of the window, in order; a page's token is
 * its index. Rows are "w.p.i", failed where i % 3 === 0.
 */
function stubProvider(windows: number[][]): { provider: PrefetchProvider; calls: () => number } {
  let calls = 0;
  const row = (id: string, i: number) =>
    ({ ref: { taskId: id }, status: i % 3 === 0 ? "FAILED" : "COMPLETED" }) as unknown as PrefetchTask;
  const provider = {
    kind: "BAIDU_GEO",
    account: { name: "main", provider: "BAIDU_GEO", endpoint: "stub", sandbox: true },
    capabilities: {
      pageSize: 1000,
      maxWindowMs: DAY,
      order: "asc",
      orderDocumented: true,
      siteRequired: false,
      listRowsComplete: true,
      statuses: ["COMPLETED", "FAILED"],
    },
    listPage(query: ListQuery, pageToken: string | null): Promise<ListPage> {
      calls++;
      const w = Math.round((query.window.start.getTime() - START.getTime()) / DAY);
      const p = pageToken === null ? 0 : Number(pageToken);
      const sizes = windows[w] ?? [];
      const tasks = Array.from({ length: sizes[p] ?? 0 }, (_, i) => row(`${w}.${p}.${i}`, i));
      return Promise.resolve({ tasks, nextPageToken: p + 1 < sizes.length ? String(p + 1) : null });
    },
  } as unknown as PrefetchProvider;
  return { provider, calls: () => calls };
}

function setUp(windows: number[][]) {
  const codec = new CountingCodec(Buffer.from("s".repeat(32)));
  const engine = new PagingEngine(codec);
  const stub = stubProvider(windows);
  const request = (over: Partial<ConnectionRequest> = {}): ConnectionRequest => ({
    provider: stub.provider,
    site: null,
    startTime: START,
    endTime: new Date(START.getTime() + windows.length * DAY - 1000),
    statuses: null,
    first: 100,
    after: null,
    now: new Date("2026-02-01T00:00:00Z"),
    ...over,
  });
  return { codec, engine, request, calls: stub.calls };
}

const ids = (conn: PrefetchConnection): string[] => conn.edges.map((e) => e.node.ref.taskId);

describe("PagingEngine cursors: one signature per provider page", () => {
  it("signs a 100-edge page over two provider pages twice in all, and only for the cursors read", async () => {
    const t = setUp([[60, 60]]);
    const conn = await t.engine.page(t.request());
    expect(conn.edges).toHaveLength(100);
    expect(conn.nodes).toHaveLength(100);
    expect(t.codec.signatures).toBe(0); // nodes only: no HMAC
    const end = conn.pageInfo.endCursor;
    expect(t.codec.signatures).toBe(1); // only endCursor: one
    const cursors = conn.edges.map((e) => e.cursor);
    // Rows 0.0.0 to 0.0.58 resume in provider page 0; 0.0.59 (offset 0 of page 1) and the rest in page 1.
    expect(t.codec.signatures).toBe(2);
    expect(conn.pageInfo.startCursor).toBe(cursors[0]);
    expect(end).toBe(cursors[99]);
    expect(new Set(cursors).size).toBe(100);
    expect(cursors.every((c) => c.startsWith("2.") && c.length < 2048)).toBe(true);
    expect(t.codec.signatures).toBe(2);
  });

  it.each<{ scenario: string; statuses: PrefetchStatus[] | null }>([
    { scenario: "unfiltered", statuses: null },
    { scenario: "filtered (sparse offsets)", statuses: ["FAILED"] },
  ])(
    "resumes after every edge's cursor at the row that follows it, across pages and parts of the window: $scenario",
    async ({ statuses }) => {
      // Two days (two parts of the window), the first of two provider pages.
      const t = setUp([[7, 5], [6]]);
      const all = await t.engine.page(t.request({ statuses, first: 100 }));
      const rows = ids(all);
      expect(rows.length).toBe(statuses === null ? 18 : 7);
      // Groups, by (part, provider page) of the positions: unfiltered (0, page 0), (0, page 1), (1, page 0) and
      // the last row's (2, first page); filtered (rows 0, 3, 6 of each page fail) (0, page 0) holding offsets
      // 1 and 4, (0, page 1) holding 0 (after the previous page's last row), 1 and 4, and (1, page 0).
      expect(t.codec.signatures).toBe(0);
      const cursors = all.edges.map((e) => e.cursor);
      expect(t.codec.signatures).toBe(statuses === null ? 4 : 3);
      for (let k = 0; k < cursors.length; k++) {
        const next = await t.engine.page(t.request({ statuses, first: 1, after: cursors[k]! }));
        expect([k, ids(next)]).toEqual([k, rows.slice(k + 1, k + 2)]);
      }
    },
  );

  it("still resumes from a v1 cursor issued before, at the same row as the v2 cursor of that position", async () => {
    const t = setUp([[10]]);
    const first = await t.engine.page(t.request({ first: 3 }));
    const v2 = first.pageInfo.endCursor!;
    const position = t.codec.decode(v2);
    expect(position.offset).toBe(3);
    const v1 = t.codec.encode(position);
    const fromV1 = await t.engine.page(t.request({ first: 2, after: v1 }));
    const fromV2 = await t.engine.page(t.request({ first: 2, after: v2 }));
    expect(ids(fromV1)).toEqual(["0.0.3", "0.0.4"]);
    expect(ids(fromV2)).toEqual(ids(fromV1));
  });

  it("refuses an edge's cursor with its offset moved past the rows it was issued for, with no upstream call", async () => {
    const t = setUp([[10]]);
    const first = await t.engine.page(t.request({ first: 3 }));
    const calls = t.calls();
    const end = first.pageInfo.endCursor!;
    expect(end.endsWith(".3")).toBe(true);
    for (const after of [
      end.replace(/3$/, "4"),
      end.replace(/3$/, "0"),
      end.replace(/3$/, "03"),
      `${end}0`,
    ]) {
      expect(await rejectionCode(t.engine.page(t.request({ after })))).toBe("INVALID_CURSOR");
    }
    expect(t.calls()).toBe(calls);
    // A sibling's offset is a cursor the same response issued: it resumes where that edge does.
    expect(ids(await t.engine.page(t.request({ first: 1, after: end.replace(/3$/, "1") })))).toEqual([
      "0.0.1",
    ]);
  });
});
