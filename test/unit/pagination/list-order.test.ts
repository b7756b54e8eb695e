import { ProviderKind } from "../../../src/domain/provider-kind";
import { ListOrderBook, orderEvidence } from "../../../src/pagination/list-order";
import type { PrefetchProvider, ProviderCapabilities } from "../../../src/providers/provider";
import { captureLogs } from "../../support/log-capture";
import { rowsListed, testTask } from "../../support/tasks";

const at = (minute: number | null) =>
  testTask(
    { provider: ProviderKind.BAIDU_GEO, account: "main", site: "www.example.com", taskId: `t${minute}` },
    { createdAt: minute === null ? null : new Date(Date.UTC(2026, 0, 1, 0, minute)) },
  );

function provider(
  capabilities: Pick<ProviderCapabilities, "order" | "orderDocumented">,
  account = "main",
): PrefetchProvider {
  return {
    kind: ProviderKind.BAIDU_GEO,
    account: { name: account, provider: ProviderKind.BAIDU_GEO, endpoint: "stub", sandbox: true },
    capabilities: { ...capabilities } as ProviderCapabilities,
  } as PrefetchProvider;
}

describe("orderEvidence", () => {
  it.each([
    { rows: [], evidence: "none" },
    { rows: [1], evidence: "none" },
    { rows: [1, 1, 1], evidence: "none" },
    { rows: [1, 2], evidence: "asc" },
    { rows: [1, 1, 2, 2, 3], evidence: "asc" },
    { rows: [3, 2, 2, 1], evidence: "desc" },
    { rows: [1, 3, 2], evidence: "mixed" },
    { rows: [null, 2, null, 1, null], evidence: "desc" },
    { rows: [null, null], evidence: "none" },
  ])("reads $rows as $evidence (null creation times skipped)", ({ rows, evidence }) => {
    expect(orderEvidence(rows.map(at))).toBe(evidence);
  });
});

describe("ListOrderBook", () => {
  it("answers a documented order and never replaces it, logging a contradiction once", () => {
    const logs = captureLogs();
    const book = new ListOrderBook(logs.logger);
    const wangsu = provider({ order: "desc", orderDocumented: true });
    expect(book.known(wangsu)).toBe(true);
    expect(book.observe(wangsu, rowsListed("asc"))).toBe("asc");
    expect(book.observe(wangsu, rowsListed("asc"))).toBe("asc");
    expect(book.direction(wangsu)).toBe("desc");
    expect(
      logs.lines.filter((l) => l["msg"] === "a list page contradicts the provider's documented order"),
    ).toEqual([expect.objectContaining({ documented: "desc", seen: "asc", account: "main" })]);
  });

  it("starts an undocumented order from the guess, learns it per account and rechecks it on every page", () => {
    const logs = captureLogs();
    const book = new ListOrderBook(logs.logger);
    const main = provider({ order: "desc", orderDocumented: false });
    const other = provider({ order: "desc", orderDocumented: false }, "other");
    expect(book.known(main)).toBe(false);
    expect(book.direction(main)).toBe("desc");

    expect(book.observe(main, [at(5)])).toBe("none");
    expect(book.known(main)).toBe(false);
    book.observe(main, rowsListed("asc"));
    expect([book.known(main), book.direction(main)]).toEqual([true, "asc"]);
    expect([book.known(other), book.direction(other)]).toEqual([false, "desc"]);

    // A page in no time order changes nothing; a page the other way round does.
    expect(book.observe(main, [at(1), at(3), at(2)])).toBe("mixed");
    expect(book.direction(main)).toBe("asc");
    book.observe(main, rowsListed("desc"));
    expect(book.direction(main)).toBe("desc");

    expect(logs.lines.map((l) => [l["msg"], l["account"]])).toEqual([
      ["list order learnt", "main"],
      ["a list page is in no creation-time order; its order is unchanged", "main"],
      ["list order changed", "main"],
    ]);
  });
});
