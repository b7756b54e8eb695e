import fc from "fast-check";
import { PrefetchStatus } from "../../src/domain/prefetch-status";
import type { ProviderKind } from "../../src/domain/provider-kind";
import { ListOrderBook } from "../../src/pagination/list-order";
import { MERGE_CURSOR_MAX_LENGTH, MergeCursorCodec } from "../../src/pagination/merge-cursor";
import { MergedFeed, type SiteConnection, type SiteFeedRequest } from "../../src/pagination/merged-feed";
import {
  fakeListProvider,
  feedOrder,
  type FakeListProvider,
  type FakeRow,
} from "../support/fake-list-provider";

/**
 * The merged feed over random accounts: listings in either order, documented or to be learnt from a wrong or a
 * right first guess, small pages, windows split into pieces, ties in every second, rows without createdAt,
 * status filters, huge page tokens, and accounts failing for whole pages or in the middle of one. Paged to the
 * end, the feed returns every row it should exactly once; where nothing failed, in exactly the order that
 * feedOrder works out from the documented rule alone; and every edge's cursor resumes right after its edge.
 */
const START = Date.UTC(2026, 0, 1) / 1000;
const END = START + 86_400;
const feed = new MergedFeed(new MergeCursorCodec(Buffer.from("merged-feed-property-secret-0000")));
const STATUSES = [PrefetchStatus.COMPLETED, PrefetchStatus.FAILED, PrefetchStatus.IN_PROGRESS] as const;

interface SourceSpec {
  readonly kind: ProviderKind;
  readonly account: string;
  readonly order: "asc" | "desc";
  /** Undocumented: the first guess is `guess`, the order learnt from the rows. */
  readonly documented: boolean;
  readonly guess: "asc" | "desc";
  readonly pageSize: number;
  readonly maxWindowHours: number;
  readonly hugeTokens: boolean;
  /** Seconds into the day (null: a row without createdAt) and statuses. */
  readonly rows: readonly { second: number | null; status: number }[];
}

const sourceArb: fc.Arbitrary<SourceSpec> = fc.record({
  kind: fc.constantFrom<ProviderKind>("BAIDU_GEO", "WANGSU_CDN_PRO"),
  account: fc.constantFrom("a", "b", "main"),
  order: fc.constantFrom<"asc" | "desc">("asc", "desc"),
  documented: fc.boolean(),
  guess: fc.constantFrom<"asc" | "desc">("asc", "desc"),
  pageSize: fc.integer({ min: 1, max: 5 }),
  maxWindowHours: fc.constantFrom(1, 5, 720),
  hugeTokens: fc.boolean(),
  // Few distinct seconds, so that ties within and across accounts are common; some bursts of one second.
  rows: fc.array(
    fc.record({
      second: fc.option(
        fc.integer({ min: 0, max: 30 }).map((k) => (k === 30 ? 86_400 : k * 2_879)),
        { freq: 6 },
      ),
      status: fc.nat({ max: STATUSES.length - 1 }),
    }),
    { maxLength: 25 },
  ),
});

const caseArb = fc.record({
  sources: fc.uniqueArray(sourceArb, {
    minLength: 1,
    maxLength: 4,
    selector: (s) => `${s.kind}/${s.account}`,
  }),
  first: fc.integer({ min: 1, max: 12 }),
  statuses: fc.option(fc.subarray([...STATUSES], { minLength: 1 }), { freq: 3 }),
  /** Whether the feed learns undocumented orders (a ListOrderBook, as the server) or never does. */
  learns: fc.boolean(),
  /** Per page (by index): accounts (by index) down for the whole page, and one failing after some calls. */
  outages: fc.array(
    fc.record({
      down: fc.array(fc.nat({ max: 3 }), { maxLength: 2 }),
      midPage: fc.option(fc.record({ source: fc.nat({ max: 3 }), after: fc.nat({ max: 3 }) })),
    }),
    { maxLength: 6 },
  ),
  /** Which edge of each page to resume from, as a fraction of the page. */
  probe: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
});

/**
 * Rows of one account. A row without createdAt is listed in the second of the row before it; its id is chosen
 * so that the provider lists it after the dated rows of that second (feedOrder's rule needs the row listed before
 * it to be in the same listing call, which the feed cannot otherwise promise).
 */
function build(spec: SourceSpec): { provider: FakeListProvider; rows: FakeRow[] } {
  const rows = spec.rows.map(({ second, status }, i) => {
    const n = String(i).padStart(2, "0");
    const id = second !== null ? `r${n}` : spec.order === "asc" ? `z${n}` : `a${n}`;
    return { id, at: second === null ? null : START + second, status: STATUSES[status] };
  });
  return {
    rows,
    provider: fakeListProvider(spec.kind, spec.account, rows, {
      order: spec.order,
      documented: spec.documented,
      guess: spec.guess,
      pageSize: spec.pageSize,
      maxWindowMs: spec.maxWindowHours * 3_600_000,
      ...(spec.hugeTokens ? { tokenPrefix: "t".repeat(1_200) } : {}),
    }),
  };
}

const key = (conn: SiteConnection): string[] =>
  conn.nodes.map((t) => `${t.ref.provider}/${t.ref.account}/${t.ref.taskId}`);

describe("MergedFeed (property)", () => {
  it("returns every row exactly once, in the feed's order where no account failed, each cursor resuming after its edge", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ sources, first, statuses, learns, outages, probe }) => {
        const built = sources.map(build);
        const providers = built.map((b) => b.provider);
        const wanted = statuses === null ? null : new Set<PrefetchStatus>(statuses);
        const expected = feedOrder(
          sources.map((s, i) => ({ kind: s.kind, account: s.account, order: s.order, rows: built[i]!.rows })),
          wanted,
        );
        const book = new ListOrderBook();
        const request = (after: string | null, size: number): SiteFeedRequest => ({
          sources: providers,
          site: "www.example.com",
          startTime: new Date(START * 1000),
          endTime: new Date(END * 1000),
          statuses,
          first: size,
          after,
          now: new Date(END * 1000),
          ...(learns
            ? {
                orderOf: (p) => (book.known(p) ? book.direction(p) : null),
                onPage: (p, rows) => void book.observe(p, rows),
              }
            : {}),
        });
        const seen: string[] = [];
        let failed = false;
        let after: string | null = null;
        for (let page = 0; ; page++) {
          if (page > 2_000) throw new Error("the feed did not end");
          const outage = outages[page];
          const down = new Set(outage?.down ?? []);
          providers.forEach((p, i) => {
            p.failAll(down.has(i));
            p.failNext(outage?.midPage?.source === i ? 1 : 0, outage?.midPage?.after ?? 0);
          });
          const conn: SiteConnection = await feed.page(request(after, first));
          providers.forEach((p) => {
            p.failAll(false);
            p.failNext(0);
          });
          const complete = conn.sources.every((s) => s.complete);
          failed ||= !complete;
          for (const edge of conn.edges)
            expect(edge.cursor.length).toBeLessThanOrEqual(MERGE_CURSOR_MAX_LENGTH);
          const rows = key(conn);
          seen.push(...rows);
          // Any edge's cursor, not just the last, resumes right after it.
          if (complete && rows.length >= 2) {
            const k = Math.floor(probe * (rows.length - 1));
            const next = await feed.page(request(conn.edges[k]!.cursor, 1));
            expect(key(next)).toEqual([rows[k + 1]]);
          }
          // A page with more to come always says where to resume, even one with no edge.
          if (conn.pageInfo.hasNextPage) expect(conn.pageInfo.endCursor).not.toBeNull();
          after = conn.pageInfo.endCursor;
          if (!conn.pageInfo.hasNextPage) break;
        }
        if (failed) {
          expect([...seen].sort()).toEqual([...expected].sort());
          expect(new Set(seen).size).toBe(seen.length);
        } else expect(seen).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
