import { derivedSeed, SeededRandom } from "../seeded-random";
import { DAY, formatUtcSeconds, HOUR, MINUTE, SECOND } from "../time";

export type BaiduPrefetchStatus = "waiting" | "in-progress" | "completed" | "failed";

export interface BaiduPrefetchTaskJson {
  readonly url: string;
}

/** One `details[]` item exactly as the emulator serialises it (key order follows Baidu's example). */
export interface BaiduPrefetchStatusJson {
  /** The GEO doc types `task` as PrefetchTask[], its example and the SDK as one object: the seed has both. */
  readonly task: BaiduPrefetchTaskJson | readonly [BaiduPrefetchTaskJson];
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly progress: number;
  readonly status: BaiduPrefetchStatus;
  readonly reason?: string;
  readonly operator?: string;
  readonly id: string;
}

export interface SeedRecord {
  readonly site: string;
  /** The per-URL task id ("单个 url 的任务ID"), the record's `id`. */
  readonly id: string;
  /**
   * The id of the submission the record came from ("预热任务 id", what Baidu's submit call returns): shared by
   * the records submitted together, never serialised in a record (Baidu's PrefetchStatus has no such field).
   */
  readonly submissionId: string;
  readonly createdAtMs: number;
  readonly json: BaiduPrefetchStatusJson;
}

export interface SeedData {
  readonly anchor: Date;
  readonly sites: readonly string[];
  /** Per site, ascending createdAt, ties by id: the order a window listing returns them. */
  readonly bySite: ReadonlyMap<string, readonly SeedRecord[]>;
  readonly byId: ReadonlyMap<string, SeedRecord>;
  /** Each submission's records, in listing order. */
  readonly bySubmission: ReadonlyMap<string, readonly SeedRecord[]>;
}

interface SiteSpec {
  readonly site: string;
  readonly records: number;
  readonly spanDays: number;
  /** Largest number of URLs in one submission; a submission's records share createdAt, so ties are common. */
  readonly maxBatch: number;
}

/**
 * The big site has enough records over 60 days that a 45-day window needs two 30-day calls and several
 * 100-record pages; the small one fits in a single page.
 */
const SITES: readonly SiteSpec[] = [
  { site: "www.example.com", records: 400, spanDays: 60, maxBatch: 5 },
  { site: "static.example.com", records: 150, spanDays: 60, maxBatch: 8 },
  { site: "img.example.net", records: 6, spanDays: 14, maxBatch: 2 },
];

export const FAILURE_REASONS = [
  "Other Error",
  "Origin Timeout",
  "Origin Returned 404",
  "Origin Returned 502",
  "Origin Connection Refused",
  "DNS Resolution Failed",
] as const;

function urlFor(draw: SeededRandom, site: string): string {
  const origin = `${draw.chance(0.8) ? "https" : "http"}://${site}`;
  switch (draw.int(0, 7)) {
    case 0:
      return `${origin}/assets/app.${draw.hex(8)}.js`;
    case 1:
      return `${origin}/assets/vendor.${draw.hex(8)}.css`;
    case 2:
      return `${origin}/images/banner-${draw.int(1, 40)}.jpg`;
    case 3:
      return `${origin}/video/intro-${draw.int(1, 12)}.mp4`;
    case 4:
      return `${origin}/downloads/setup-${draw.int(1, 4)}.${draw.int(0, 9)}.${draw.int(0, 20)}.exe`;
    case 5:
      return `${origin}/index.html`;
    case 6:
      // A non-ASCII path ("使用说明", percent-encoded as submitted): mappers must keep URLs verbatim.
      return `${origin}/docs/%E4%BD%BF%E7%94%A8%E8%AF%B4%E6%98%8E-${draw.int(1, 9)}.pdf`;
    default:
      return `${origin}/api/config.json?v=${draw.int(1, 300)}`;
  }
}

/**
 * Status by age at the anchor: waiting and in-progress only in the last couple of hours, finished ones older.
 * The two newest submissions of every site are forced waiting and in-progress so both always exist.
 */
function statusFor(draw: SeededRandom, ageMs: number): BaiduPrefetchStatus {
  if (ageMs < 10 * MINUTE) return draw.chance(0.6) ? "waiting" : "in-progress";
  if (ageMs < 2 * HOUR) {
    const roll = draw.unit();
    return roll < 0.5 ? "in-progress" : roll < 0.9 ? "completed" : "failed";
  }
  return draw.chance(0.85) ? "completed" : "failed";
}

interface Submission {
  readonly createdAtMs: number;
  readonly size: number;
  readonly forced?: BaiduPrefetchStatus;
}

function planSubmissions(draw: SeededRandom, spec: SiteSpec, anchorMs: number): Submission[] {
  const submissions: Submission[] = [];
  let remaining = spec.records;
  const add = (createdAtMs: number, forced?: BaiduPrefetchStatus): void => {
    // Most submissions carry several URLs, whose per-URL records share createdAt; some carry one.
    const size = Math.min(remaining, draw.chance(0.3) ? 1 : draw.int(2, spec.maxBatch));
    submissions.push(forced === undefined ? { createdAtMs, size } : { createdAtMs, size, forced });
    remaining -= size;
  };
  // Whole seconds: the API's timestamps have no fraction, so neither may the data the windows compare.
  const at = (ageMs: number): number => anchorMs - Math.floor(ageMs / SECOND) * SECOND;
  add(at(draw.int(1 * MINUTE, 9 * MINUTE)), "waiting");
  if (remaining > 0) add(at(draw.int(20 * MINUTE, 110 * MINUTE)), "in-progress");
  while (remaining > 0) add(at(draw.int(2 * HOUR, spec.spanDays * DAY)));
  return submissions;
}

function buildRecord(
  draw: SeededRandom,
  site: string,
  id: string,
  submissionId: string,
  submission: Submission,
  operator: string | undefined,
  anchorMs: number,
): SeedRecord {
  const createdAtMs = submission.createdAtMs;
  const status = submission.forced ?? statusFor(draw, anchorMs - createdAtMs);
  const task = { url: urlFor(draw, site) };
  const startedAtMs = Math.min(anchorMs, createdAtMs + draw.int(0, 90) * SECOND);
  const finishedAtMs = Math.min(anchorMs, startedAtMs + draw.int(2, 900) * SECOND);

  let progress: number;
  let finished: boolean;
  let reason: string | undefined;
  switch (status) {
    case "waiting":
      progress = 0;
      finished = false;
      break;
    case "in-progress":
      progress = draw.int(1, 99);
      finished = false;
      break;
    case "completed":
      progress = 100;
      finished = draw.chance(0.95);
      break;
    case "failed":
      // Baidu's own example is a failed record at progress 100 without finishedAt; keep that shape common.
      progress = draw.pick([0, 0, 100, draw.int(1, 99)]);
      finished = draw.chance(0.7);
      reason = draw.pick(FAILURE_REASONS);
      break;
  }

  const json: BaiduPrefetchStatusJson = {
    task: draw.chance(0.15) ? [task] : task,
    createdAt: formatUtcSeconds(createdAtMs),
    ...(status === "waiting" ? {} : { startedAt: formatUtcSeconds(startedAtMs) }),
    ...(finished ? { finishedAt: formatUtcSeconds(finishedAtMs) } : {}),
    progress,
    status,
    ...(reason === undefined ? {} : { reason }),
    ...(operator === undefined ? {} : { operator }),
    id,
  };
  return { site, id, submissionId, createdAtMs, json: deepFreeze(json) };
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === "object" && child !== null) deepFreeze(child as object);
  }
  return Object.freeze(value);
}

export function compareRecords(a: SeedRecord, b: SeedRecord): number {
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs - b.createdAtMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The seeded records, anchored at `anchor` (the newest createdAt bound). Same seed and anchor, same data. The
 * statuses are those at the anchor; the emulator moves the unfinished ones on with its clock (live-records.ts).
 */
export function generateSeedData(seed: number, anchor: Date): SeedData {
  const anchorMs = anchor.getTime();
  const bySite = new Map<string, SeedRecord[]>();
  const byId = new Map<string, SeedRecord>();
  const bySubmission = new Map<string, SeedRecord[]>();
  // Submission and record ids are drawn alike (32 hex, as Baidu's are) and never collide with each other.
  const fresh = (draw: SeededRandom): string => {
    let id = draw.hex(32);
    while (byId.has(id) || bySubmission.has(id)) id = draw.hex(32);
    return id;
  };
  for (const spec of SITES) {
    // Each site has its own stream, so adding a site moves no other.
    const draw = new SeededRandom(derivedSeed(seed, spec.site));
    // A few submitters per site, as Baidu user ids (32 hex); some records carry no operator at all.
    const operators = [draw.hex(32), draw.hex(32), draw.hex(32)];
    const records: SeedRecord[] = [];
    for (const submission of planSubmissions(draw, spec, anchorMs)) {
      const operator = draw.chance(0.9) ? draw.pick(operators) : undefined;
      const submissionId = fresh(draw);
      const batch: SeedRecord[] = [];
      bySubmission.set(submissionId, batch);
      for (let i = 0; i < submission.size; i += 1) {
        const id = fresh(draw);
        const record = buildRecord(draw, spec.site, id, submissionId, submission, operator, anchorMs);
        records.push(record);
        batch.push(record);
        byId.set(id, record);
      }
      batch.sort(compareRecords);
    }
    bySite.set(spec.site, records.sort(compareRecords));
  }
  return { anchor: new Date(anchorMs), sites: SITES.map((s) => s.site), bySite, byId, bySubmission };
}
