import { HOLD_MS } from "../live-progress";
import { derivedSeed, SeededRandom } from "../seeded-random";
import { DAY, formatUtcSeconds, MINUTE, SECOND } from "../time";
import type {
  WangsuDetailBody,
  WangsuFileBody,
  WangsuFileHeaderBody,
  WangsuListRowBody,
  WangsuMetadataBody,
  WangsuTaskStatus,
} from "./dto";

/**
 * Deterministic prefetch history for the emulator: the same seed and anchor always give the same tasks, so
 * integration tests can compare against them and GraphiQL users see stable data between restarts.
 */

export const SEEDED_HOSTNAMES = ["www.example.com", "static.example.com", "video.example.org"] as const;
/**
 * A hostname with unfinished tasks at the anchor for every seed (Baidu's sandbox serves it too, with its own),
 * so that a feed across both providers always has something moving.
 */
export const LIVE_HOSTNAME = "www.example.com";

/** Continent names as the create API takes them; an empty list means "all continents". */
const REGIONS = ["Asia", "Europe", "North America", "South America", "Africa", "Oceania"] as const;

export const SEED_SPAN_DAYS = 60;
const OLD_TASK_COUNT = 276;
/**
 * The last day's tasks are planned by status at the anchor so every seed has some of each: unfinished tasks
 * only make sense close to the anchor, and a uniform spread over 60 days would leave the last hours nearly
 * empty. From the anchor on, the emulator moves the unfinished ones with the clock (live-tasks.ts).
 */
const RECENT_PLAN: readonly RecentKind[] = [
  "waiting-queued",
  "waiting-queued",
  "waiting-scheduled",
  "waiting-scheduled",
  ...Array<RecentKind>(8).fill("inprogress"),
  ...Array<RecentKind>(12).fill("finished"),
];

type RecentKind = "waiting-queued" | "waiting-scheduled" | "inprogress" | "finished";

export interface SeededTask {
  /** 24 hex characters like the Location example: 4 bytes of submission seconds, then 8 random bytes. */
  readonly id: string;
  readonly name?: string;
  readonly fileList: readonly WangsuFileBody[];
  /** Distinct hostnames of fileList, in order of first appearance. */
  readonly hostnames: readonly string[];
  readonly regions: readonly string[];
  readonly submissionMs: number;
  readonly startMs?: number;
  readonly finishMs?: number;
  readonly status: WangsuTaskStatus;
  readonly successRate?: number;
  readonly webhook?: string;
  readonly apiRequestId: string;
  /** Which of the two documented spellings this task's detail uses. */
  readonly metadataKey: "metadata" | "metaData";
}

const NAME_TEMPLATES: readonly ((r: SeededRandom) => string)[] = [
  (r) => `Warm-up before release ${r.int(1, 4)}.${r.int(0, 12)}.${r.int(0, 9)}`,
  () => "Homepage refresh",
  () => "Nightly asset preload",
  (r) => `Campaign landing pages ${r.pick(["spring", "summer", "autumn", "winter"])}`,
  (r) => `Video launch: ${r.pick(VIDEO_SLUGS)}`,
  (r) => `Firmware ${r.int(1, 3)}.${r.int(0, 20)} downloads`,
  (r) => `Catalog images batch ${r.int(1, 400)}`,
  () => "Pre-warm after config change",
  // Non-ASCII names exist in real accounts; they exercise JSON and search handling.
  () => "首页预热",
];

const VIDEO_SLUGS = [
  "ocean-documentary",
  "product-keynote",
  "match-highlights",
  "cooking-show-s02e04",
] as const;
const PRODUCT_SLUGS = ["red-kettle", "trail-shoes", "desk-lamp", "travel-mug"] as const;

/** Paths per hostname, so URLs look like what each kind of site would prefetch. */
const PATHS: Readonly<Record<(typeof SEEDED_HOSTNAMES)[number], readonly ((r: SeededRandom) => string)[]>> = {
  "www.example.com": [
    () => "/",
    () => "/index.html",
    () => "/about/",
    (r) => `/products/${r.pick(PRODUCT_SLUGS)}.html`,
    (r) => `/search?q=${r.pick(PRODUCT_SLUGS)}&page=${r.int(1, 3)}`,
  ],
  "static.example.com": [
    (r) => `/assets/app.${r.hex(8)}.js`,
    (r) => `/assets/styles.${r.hex(8)}.css`,
    (r) => `/img/banner-${r.int(1, 40)}.jpg`,
    (r) => `/fonts/inter-${r.pick(["400", "600", "700"])}.woff2`,
  ],
  "video.example.org": [
    (r) => `/vod/${r.pick(VIDEO_SLUGS)}/index.m3u8`,
    (r) => `/vod/${r.pick(VIDEO_SLUGS)}/seg-${r.int(0, 120)}.ts`,
    (r) => `/vod/${r.pick(VIDEO_SLUGS)}/poster.jpg`,
  ],
};

const FILE_HEADERS: readonly WangsuFileHeaderBody[] = [
  { name: "Accept-Encoding", value: "gzip" },
  { name: "Accept-Encoding", value: "br" },
  { name: "User-Agent", value: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)" },
  { name: "X-Device-Type", value: "mobile" },
  { name: "Accept-Language", value: "zh-CN" },
];

function makeHeaders(r: SeededRandom): WangsuFileHeaderBody[] {
  const headers: WangsuFileHeaderBody[] = [];
  const wanted = r.int(1, 2);
  while (headers.length < wanted) {
    const header = r.pick(FILE_HEADERS);
    // One value per header name: a cache key cannot vary on two values of the same header.
    if (!headers.some((h) => h.name === header.name)) headers.push({ ...header });
  }
  return headers;
}

/** `firstHost` forces the first URL's hostname (drawn otherwise). */
function makeFileList(r: SeededRandom, firstHost?: (typeof SEEDED_HOSTNAMES)[number]): WangsuFileBody[] {
  const twoHosts = r.chance(0.2);
  const first = firstHost ?? r.pick(SEEDED_HOSTNAMES);
  const second = twoHosts ? r.pick(SEEDED_HOSTNAMES.filter((h) => h !== first)) : first;
  const wanted = twoHosts ? r.int(2, 5) : r.int(1, 5);
  const urls = new Set<string>();
  const files: WangsuFileBody[] = [];
  // Bounded: a host with few distinct paths may not reach `wanted` unique URLs.
  for (let attempt = 0; files.length < wanted && attempt < 20; attempt++) {
    const host = files.length === 0 ? first : files.length === 1 ? second : r.pick([first, second]);
    const scheme = r.chance(0.85) ? "https" : "http";
    const url = `${scheme}://${host}${r.pick(PATHS[host])(r)}`;
    if (urls.has(url)) continue;
    urls.add(url);
    files.push(r.chance(0.12) ? { url, headers: makeHeaders(r) } : { url });
  }
  return files;
}

function hostnamesOf(files: readonly WangsuFileBody[]): string[] {
  const hosts: string[] = [];
  for (const file of files) {
    const host = new URL(file.url).hostname;
    if (!hosts.includes(host)) hosts.push(host);
  }
  return hosts;
}

function makeRegions(r: SeededRandom): string[] {
  if (r.chance(0.25)) return [];
  const wanted = r.int(1, 3);
  const chosen = new Set<string>();
  while (chosen.size < wanted) chosen.add(r.pick(REGIONS));
  return REGIONS.filter((region) => chosen.has(region));
}

/** Queue wait plus run time; mostly minutes, with a tail of multi-hour jobs (large video sets). */
function makeDuration(r: SeededRandom): number {
  const queue = r.int(0, 15 * 60) * SECOND;
  const roll = r.unit();
  const run =
    roll < 0.7
      ? r.int(60, 20 * 60) * SECOND
      : roll < 0.95
        ? r.int(20 * 60, 3 * 3600) * SECOND
        : r.int(3 * 3600, 12 * 3600) * SECOND;
  return queue + run;
}

function makeFinishedRate(r: SeededRandom): number {
  const roll = r.unit();
  if (roll < 0.6) return 100;
  if (roll < 0.7) return 0;
  return r.int(1, 99);
}

function ceilTo(ms: number, step: number): number {
  return Math.ceil(ms / step) * step;
}

interface Timing {
  readonly submissionMs: number;
  readonly startMs?: number;
  readonly finishMs?: number;
  readonly status: WangsuTaskStatus;
  readonly successRate?: number;
}

/** Older than a day: always finished, because no queue-plus-run time reaches a day. */
function oldTiming(r: SeededRandom, submissionMs: number): Timing {
  const startMs = r.chance(0.15) ? ceilTo(submissionMs + r.int(5, 360) * MINUTE, 5 * MINUTE) : undefined;
  const beginMs = startMs ?? submissionMs;
  // A few finished tasks carry no finishTime: the documents mark it optional and the mapper must cope.
  const finishMs = r.chance(0.92) ? beginMs + makeDuration(r) : undefined;
  return { submissionMs, startMs, finishMs, status: "finished", successRate: makeFinishedRate(r) };
}

function recentTiming(r: SeededRandom, kind: RecentKind, anchorMs: number, isFirst: boolean): Timing {
  switch (kind) {
    case "waiting-queued": {
      // The very first one sits exactly on the anchor so an inclusive enddate bound is exercised.
      const submissionMs = isFirst ? anchorMs : anchorMs - r.int(1, 10 * 60) * SECOND;
      return { submissionMs, status: "waiting" };
    }
    case "waiting-scheduled": {
      const submissionMs = anchorMs - r.int(10 * 60, 6 * 3600) * SECOND;
      // After the anchor, within the minutes in which the emulator moves tasks (live-progress.ts): a task
      // starts at its scheduled time, and every unfinished one ends within a quarter of an hour of the anchor.
      const startMs = anchorMs + HOLD_MS + r.int(0, 11) * 30 * SECOND;
      return { submissionMs, startMs, status: "waiting" };
    }
    case "inprogress": {
      const ageMs = r.int(5 * 60, 10 * 3600) * SECOND;
      const submissionMs = anchorMs - ageMs;
      const startMs = r.chance(0.25)
        ? submissionMs + Math.floor((r.unit() * ageMs) / 2 / MINUTE) * MINUTE
        : undefined;
      const successRate = r.chance(0.5) ? r.int(0, 99) : undefined;
      return { submissionMs, startMs, status: "inprogress", successRate };
    }
    case "finished": {
      const submissionMs = anchorMs - r.int(3600, 24 * 3600 - 1) * SECOND;
      const finishMs = submissionMs + Math.min(makeDuration(r), Math.floor((anchorMs - submissionMs) * 0.9));
      return {
        submissionMs,
        finishMs: ceilTo(finishMs, SECOND),
        status: "finished",
        successRate: makeFinishedRate(r),
      };
    }
  }
}

export interface SeedOptions {
  /** Latest possible submissionTime; whole minutes keep the data identical within a minute of restarts. */
  readonly anchor: Date;
  readonly seed: number;
}

/** About 300 tasks over the 60 days before the anchor, in no particular order (the list query sorts). */
export function seedWangsuTasks(options: SeedOptions): SeededTask[] {
  const r = new SeededRandom(options.seed);
  const anchorMs = options.anchor.getTime();
  const webhooks = [r.hex(24), r.hex(24)];
  const ids = new Set<string>();

  const timings: Timing[] = [];
  RECENT_PLAN.forEach((kind, index) => timings.push(recentTiming(r, kind, anchorMs, index === 0)));
  let previousMs: number | undefined;
  for (let i = 0; i < OLD_TASK_COUNT; i++) {
    // Batches submitted in the same second exist upstream; ties make the id tie-break matter.
    const submissionMs =
      previousMs !== undefined && r.chance(0.06)
        ? previousMs
        : anchorMs - r.int(DAY / SECOND, (SEED_SPAN_DAYS * DAY) / SECOND) * SECOND;
    previousMs = submissionMs;
    timings.push(oldTiming(r, submissionMs));
  }

  const tasks = timings.map((timing): SeededTask => {
    let id: string;
    do {
      id =
        Math.floor(timing.submissionMs / SECOND)
          .toString(16)
          .padStart(8, "0") + r.hex(16);
    } while (ids.has(id));
    ids.add(id);
    const fileList = makeFileList(r);
    const name = r.chance(0.85) ? r.pick(NAME_TEMPLATES)(r) : undefined;
    return {
      id,
      ...(name === undefined ? {} : { name }),
      fileList,
      hostnames: hostnamesOf(fileList),
      regions: makeRegions(r),
      submissionMs: timing.submissionMs,
      ...(timing.startMs === undefined ? {} : { startMs: timing.startMs }),
      ...(timing.finishMs === undefined ? {} : { finishMs: timing.finishMs }),
      status: timing.status,
      ...(timing.successRate === undefined ? {} : { successRate: timing.successRate }),
      ...(r.chance(0.2) ? { webhook: r.pick(webhooks) } : {}),
      apiRequestId: r.hex(16),
      metadataKey: r.chance(0.35) ? "metaData" : "metadata",
    };
  });
  return withLiveHostname(tasks, options.seed);
}

/**
 * A few seeds (about 1 in 500) leave LIVE_HOSTNAME without an unfinished task; there the first one (waiting,
 * submitted on the anchor) gets a file list on it, drawn from a stream of its own so that nothing else moves.
 */
function withLiveHostname(tasks: SeededTask[], seed: number): SeededTask[] {
  const live = (task: SeededTask): boolean =>
    task.status !== "finished" && task.hostnames.includes(LIVE_HOSTNAME);
  const first = tasks[0];
  if (first === undefined || tasks.some(live)) return tasks;
  const fileList = makeFileList(new SeededRandom(derivedSeed(seed, "live-hostname")), LIVE_HOSTNAME);
  return [{ ...first, fileList, hostnames: hostnamesOf(fileList) }, ...tasks.slice(1)];
}

function metadataOf(task: SeededTask): WangsuMetadataBody {
  return {
    id: task.id,
    submissionTime: formatUtcSeconds(task.submissionMs),
    ...(task.successRate === undefined ? {} : { successRate: task.successRate }),
    status: task.status,
    ...(task.finishMs === undefined ? {} : { finishTime: formatUtcSeconds(task.finishMs) }),
    apiRequestId: task.apiRequestId,
  };
}

/** The detail body, keys in the order of the document's example. */
export function toDetailBody(task: SeededTask): WangsuDetailBody {
  return {
    ...(task.name === undefined ? {} : { name: task.name }),
    fileList: task.fileList.map((file) =>
      file.headers === undefined
        ? { url: file.url }
        : { url: file.url, headers: file.headers.map((h) => ({ ...h })) },
    ),
    regions: [...task.regions],
    ...(task.startMs === undefined ? {} : { startTime: formatUtcSeconds(task.startMs) }),
    ...(task.webhook === undefined ? {} : { webhook: task.webhook }),
    [task.metadataKey]: metadataOf(task),
  };
}

export function toListRow(task: SeededTask): WangsuListRowBody {
  return {
    id: task.id,
    ...(task.name === undefined ? {} : { name: task.name }),
    status: task.status,
    submissionTime: formatUtcSeconds(task.submissionMs),
    ...(task.finishMs === undefined ? {} : { finishTime: formatUtcSeconds(task.finishMs) }),
    ...(task.successRate === undefined ? {} : { successRate: task.successRate }),
    apiRequestId: task.apiRequestId,
    fileEntries: task.fileList.length,
    hostnames: [...task.hostnames],
  };
}
