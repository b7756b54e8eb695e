import fc from "fast-check";
import type { PrefetchTask } from "../../src/domain/prefetch-task";
import { PrefetchStatus } from "../../src/domain/prefetch-status";
import {
  WANGSU_STATUSES,
  parsePrefetchDetail,
  parsePrefetchList,
} from "../../src/providers/wangsu-cdn-pro/dto";
import { mapPrefetchDetail, mapPrefetchRow } from "../../src/providers/wangsu-cdn-pro/mapper";
import { DOC_EXAMPLE_DETAIL, finishedDetail, listRow } from "../unit/providers/wangsu-cdn-pro/fixtures";
import {
  anyJsonArb,
  fieldValueArb,
  isDateOrNull,
  isPercentOrNull,
  isStringOrNull,
  mapOrBadResponse,
  nearValid,
  shortStackTraces,
} from "./json-arbitraries";

/**
 * Issue 9, part 7: Wangsu CDN Pro detail and list bodies, arbitrary or near-valid, either map to well-typed
 * tasks or fail with UPSTREAM_BAD_RESPONSE, never anything else. 10,000 cases per property.
 */
const NUM_RUNS = 10_000;
const ACCOUNT = "main";
const observedAt = new Date("2025-11-10T03:00:00Z");
const UNIFIED = Object.values(PrefetchStatus) as string[];

const VALID_DETAILS: readonly unknown[] = [
  DOC_EXAMPLE_DETAIL,
  finishedDetail("t1"),
  finishedDetail("t2", 40),
  finishedDetail("t3", 0),
];
const VALID_LISTS: readonly unknown[] = [
  { count: 3, prefetchRequests: [listRow("r1", ["A.example.com"]), listRow("r2", undefined)] },
  {
    count: 0,
    prefetchRequests: [
      listRow("r3", ["a.example.com", "b.example.com"], { status: "waiting", successRate: 0 }),
    ],
  },
];

/** The unified status the provider's status and success rate imply (see mapStatus). */
function expectedStatus(providerStatus: string, successRate: number | null): string | undefined {
  if (providerStatus === "waiting") return PrefetchStatus.WAITING;
  if (providerStatus === "inprogress") return PrefetchStatus.IN_PROGRESS;
  if (successRate === null) return undefined;
  if (successRate >= 100) return PrefetchStatus.COMPLETED;
  return successRate <= 0 ? PrefetchStatus.FAILED : PrefetchStatus.PARTIALLY_COMPLETED;
}

/** Throws where a mapped task (detail or row) breaks its types; the message names the field. */
function checkCommon(task: PrefetchTask): (field: string) => never {
  const fail = (field: string): never => {
    throw new Error(`mapped task has a bad ${field}: ${JSON.stringify(task)}`);
  };
  const { ref } = task;
  if (ref.provider !== "WANGSU_CDN_PRO" || ref.account !== ACCOUNT || ref.site !== null) fail("ref");
  if (typeof ref.taskId !== "string" || ref.taskId === "") fail("ref.taskId");
  if (!isStringOrNull(task.site) || !isStringOrNull(task.name)) fail("site/name");
  if (!UNIFIED.includes(task.status)) fail("status");
  if (!(WANGSU_STATUSES as readonly string[]).includes(task.providerStatus)) fail("providerStatus");
  if (task.status !== expectedStatus(task.providerStatus, task.successRate)) fail("status (for its rate)");
  if (task.progress !== null || !isPercentOrNull(task.successRate)) fail("progress/successRate");
  if (!isDateOrNull(task.createdAt) || !isDateOrNull(task.finishedAt) || task.startedAt !== null) {
    fail("createdAt/startedAt/finishedAt");
  }
  if (task.failureReason !== null || task.operator !== null) fail("failureReason/operator");
  if (task.observedAt !== observedAt) fail("observedAt");
  return fail;
}

function checkDetail(task: PrefetchTask, requestedId: string | undefined): void {
  const fail = checkCommon(task);
  const { details } = task;
  if (!Array.isArray(task.targets)) return fail("targets");
  for (const t of task.targets) {
    if (typeof t.url !== "string" || t.url === "") fail("targets[].url");
    for (const h of t.headers) {
      if (typeof h.name !== "string" || h.name === "" || typeof h.value !== "string")
        fail("targets[].headers");
    }
  }
  if (details?.kind !== "WANGSU_CDN_PRO") return fail("details");
  if (details.metadata.id !== task.ref.taskId) fail("details.metadata.id");
  if (
    requestedId !== undefined &&
    task.ref.taskId !== requestedId &&
    details.metadata.id !== task.ref.taskId
  ) {
    fail("ref.taskId (neither metadata.id nor the id asked for)");
  }
  if (!Array.isArray(details.regions) || details.regions.some((r) => typeof r !== "string")) fail("regions");
  if (!isDateOrNull(details.startTime) || !isStringOrNull(details.webhook)) fail("startTime/webhook");
  if (!isStringOrNull(details.metadata.apiRequestId)) fail("metadata.apiRequestId");
  if (task.missing.size !== 0) fail("missing");
}

function checkRow(task: PrefetchTask): void {
  const fail = checkCommon(task);
  if (task.targets !== null || task.details !== null) fail("targets/details (a row has neither)");
  if (!task.missing.has("targets") || !task.missing.has("details")) fail("missing");
  if (task.site !== null && task.site !== task.site.toLowerCase()) fail("site (not lower-cased)");
}

function detailProperty(body: unknown, requestedId: string | undefined): void {
  const outcome = mapOrBadResponse(() =>
    mapPrefetchDetail(parsePrefetchDetail(body, ACCOUNT), {
      account: ACCOUNT,
      observedAt,
      ...(requestedId !== undefined && { requestedId }),
    }),
  );
  if ("value" in outcome) checkDetail(outcome.value, requestedId);
}

function listProperty(body: unknown): void {
  const outcome = mapOrBadResponse(() => {
    const dto = parsePrefetchList(body, ACCOUNT);
    return {
      count: dto.count,
      rows: dto.prefetchRequests.map((row) => mapPrefetchRow(row, { account: ACCOUNT, observedAt })),
    };
  });
  if ("error" in outcome) return;
  const { count, rows } = outcome.value;
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`bad count ${count}`);
  rows.forEach(checkRow);
}

const requestedIdArb = fc.option(fc.constantFrom("t1", "asked-for"), { nil: undefined });

describe("Wangsu CDN Pro parse + map (property)", () => {
  shortStackTraces();

  it("maps arbitrary JSON as a detail body or fails with UPSTREAM_BAD_RESPONSE", () => {
    fc.assert(
      fc.property(anyJsonArb, requestedIdArb, (body, id) => detailProperty(body, id)),
      { numRuns: NUM_RUNS },
    );
  });

  it("maps arbitrary JSON as a list body or fails with UPSTREAM_BAD_RESPONSE", () => {
    fc.assert(
      fc.property(anyJsonArb, (body) => listProperty(body)),
      { numRuns: NUM_RUNS },
    );
  });

  it("maps arbitrary detail-shaped JSON (arbitrary metadata fields) or fails with UPSTREAM_BAD_RESPONSE", () => {
    const metadataKeys = fc.constantFrom("id", "status", "successRate", "submissionTime", "finishTime");
    const detailLike = fc.record(
      {
        fileList: fc.array(fc.dictionary(fc.constantFrom("url", "headers"), fieldValueArb), { maxLength: 3 }),
        metadata: fc.dictionary(metadataKeys, fieldValueArb),
        regions: fieldValueArb,
        name: fieldValueArb,
      },
      { requiredKeys: ["fileList", "metadata"] },
    );
    fc.assert(
      fc.property(detailLike, requestedIdArb, (body, id) => detailProperty(body, id)),
      { numRuns: NUM_RUNS },
    );
  });

  it("maps near-valid detail bodies or fails with UPSTREAM_BAD_RESPONSE", () => {
    fc.assert(
      fc.property(nearValid(VALID_DETAILS), requestedIdArb, (body, id) => detailProperty(body, id)),
      { numRuns: NUM_RUNS },
    );
  });

  it("maps near-valid list bodies or fails with UPSTREAM_BAD_RESPONSE", () => {
    fc.assert(
      fc.property(nearValid(VALID_LISTS), (body) => listProperty(body)),
      { numRuns: NUM_RUNS },
    );
  });

  it("maps every valid fixture (sanity: the near-valid bodies start from bodies that map)", () => {
    for (const body of VALID_DETAILS) {
      expect(() =>
        mapPrefetchDetail(parsePrefetchDetail(body, ACCOUNT), { account: ACCOUNT, observedAt }),
      ).not.toThrow();
    }
    for (const body of VALID_LISTS) {
      const dto = parsePrefetchList(body, ACCOUNT);
      expect(
        dto.prefetchRequests.map((row) => mapPrefetchRow(row, { account: ACCOUNT, observedAt })),
      ).not.toHaveLength(0);
    }
  });
});
