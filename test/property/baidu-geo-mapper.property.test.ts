import fc from "fast-check";
import type { PrefetchTask } from "../../src/domain/prefetch-task";
import { PrefetchStatus } from "../../src/domain/prefetch-status";
import { BAIDU_PREFETCH_STATUSES, parseListResponse } from "../../src/providers/baidu-geo/dto";
import { pickRecord, toListPage } from "../../src/providers/baidu-geo/mapper";
import {
  DOC_EXAMPLE_SINGLE_PAGE,
  DOC_EXAMPLE_TRUNCATED,
  arrayTaskRecord,
  bareRecord,
  page,
} from "../unit/providers/baidu-geo/fixtures";
import {
  anyJsonArb,
  fieldValueArb,
  isDate,
  isDateOrNull,
  isPercentOrNull,
  isStringOrNull,
  mapOrBadResponse,
  nearValid,
  shortStackTraces,
} from "./json-arbitraries";

/**
 * Issue 9, part 7: Baidu GEO bodies, arbitrary or near-valid, either map to well-typed tasks or fail with
 * UPSTREAM_BAD_RESPONSE, never anything else. 10,000 cases per property.
 */
const NUM_RUNS = 10_000;
const ACCOUNT = "main";
const context = { account: ACCOUNT, site: "www.example.com", observedAt: new Date("2025-11-10T03:00:00Z") };
const UNIFIED = Object.values(PrefetchStatus) as string[];

const VALID_BODIES: readonly unknown[] = [
  DOC_EXAMPLE_SINGLE_PAGE,
  DOC_EXAMPLE_TRUNCATED,
  page([arrayTaskRecord(), bareRecord()]),
  page([bareRecord({ progress: 0, reason: null, finishedAt: "2025-11-10T03:00:01.500Z" })], {
    isTruncated: true,
    nextMarker: "m-1",
  }),
];

/** Throws where a mapped task breaks its types; the message names the field. */
function checkTask(task: PrefetchTask): void {
  const fail = (field: string): never => {
    throw new Error(`mapped task has a bad ${field}: ${JSON.stringify(task)}`);
  };
  const { ref, details } = task;
  if (ref.provider !== "BAIDU_GEO" || ref.account !== ACCOUNT || ref.site !== context.site) fail("ref");
  if (typeof ref.taskId !== "string" || ref.taskId === "") fail("ref.taskId");
  if (!isDate(ref.createdAt)) fail("ref.createdAt");
  if (task.site !== context.site || task.name !== null) fail("site/name");
  if (task.targets?.length !== 1) fail("targets");
  const [target] = task.targets!;
  if (typeof target!.url !== "string" || target!.url === "" || target!.headers.length !== 0)
    fail("targets[0]");
  if (!UNIFIED.includes(task.status)) fail("status");
  if (!(BAIDU_PREFETCH_STATUSES as readonly string[]).includes(task.providerStatus)) fail("providerStatus");
  if (!isPercentOrNull(task.progress)) fail("progress");
  if (!isPercentOrNull(task.successRate)) fail("successRate");
  if (!isDate(task.createdAt)) fail("createdAt");
  if (!isDateOrNull(task.startedAt)) fail("startedAt");
  if (!isDateOrNull(task.finishedAt)) fail("finishedAt");
  if (!isStringOrNull(task.failureReason) || !isStringOrNull(task.operator)) fail("failureReason/operator");
  if (details?.kind !== "BAIDU_GEO") return fail("details");
  if (details.id !== ref.taskId || details.url !== target!.url || details.status !== task.providerStatus) {
    fail("details (disagrees with the task)");
  }
  if (task.missing.size !== 0 || !isDate(task.observedAt)) fail("missing/observedAt");
}

/** parse + map one body; a value is checked field by field. */
function parseAndMap(body: unknown, lookupId: string): void {
  const outcome = mapOrBadResponse(() => {
    const dto = parseListResponse(body, ACCOUNT);
    // The by-id path: pick a record, which must not throw on whatever was parsed.
    const picked = pickRecord(dto, lookupId);
    return { page: toListPage(dto, context), picked };
  });
  if ("error" in outcome) return;
  const { page: listPage, picked } = outcome.value;
  listPage.tasks.forEach(checkTask);
  const token = listPage.nextPageToken;
  if (token !== null && (typeof token !== "string" || token === "")) {
    throw new Error(`bad nextPageToken ${JSON.stringify(token)}`);
  }
  if (picked !== null && picked.id !== lookupId) throw new Error("pickRecord picked another id");
}

const lookupIdArb = fc.constantFrom("xxx", "t-array", "t-bare", "");

describe("Baidu GEO parse + map (property)", () => {
  shortStackTraces();

  it("maps arbitrary JSON or fails with UPSTREAM_BAD_RESPONSE", () => {
    fc.assert(
      fc.property(anyJsonArb, lookupIdArb, (body, id) => parseAndMap(body, id)),
      { numRuns: NUM_RUNS },
    );
  });

  it("maps arbitrary JSON shaped like a page (details a list of arbitrary records)", () => {
    const pageLike = fc.record(
      {
        details: fc.array(
          fc.dictionary(
            fc.constantFrom("id", "status", "task", "createdAt", "startedAt", "progress", "operator"),
            fieldValueArb,
          ),
          { maxLength: 3 },
        ),
        isTruncated: fc.boolean(),
        nextMarker: fieldValueArb,
      },
      { requiredKeys: ["details"] },
    );
    fc.assert(
      fc.property(pageLike, lookupIdArb, (body, id) => parseAndMap(body, id)),
      { numRuns: NUM_RUNS },
    );
  });

  it("maps near-valid bodies (valid fixtures with fields replaced, removed or added) or fails with UPSTREAM_BAD_RESPONSE", () => {
    const nearValidBody = nearValid(VALID_BODIES);
    fc.assert(
      fc.property(nearValidBody, lookupIdArb, (body, id) => parseAndMap(body, id)),
      { numRuns: NUM_RUNS },
    );
  });

  it("maps every valid fixture (sanity: the near-valid bodies start from bodies that map)", () => {
    for (const body of VALID_BODIES) {
      expect(toListPage(parseListResponse(body, ACCOUNT), context).tasks.length).toBeGreaterThan(0);
    }
  });
});
