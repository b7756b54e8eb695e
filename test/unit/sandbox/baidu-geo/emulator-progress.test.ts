import { request } from "undici";
import { type BaiduGeoSandbox, startBaiduGeoSandbox } from "../../../../src/sandbox/baidu-geo";
import { formatUtcSeconds } from "../../../../src/sandbox/time";
import { signedGet } from "./signed-request.helper";

const CREDENTIALS = { accessKeyId: "sandbox-ak", secretAccessKey: "sandbox-sk" };
const START = Date.parse("2026-03-01T12:00:30Z");
const ANCHOR = Date.parse("2026-03-01T12:00:00Z");
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const SITE = "www.example.com";

interface Detail {
  readonly id: string;
  readonly status: string;
  readonly progress: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

interface Page {
  readonly details: Detail[];
  readonly isTruncated: boolean;
}

/** An emulator whose clock the test moves. */
async function clocked(
  seed = 1,
  startMs = START,
): Promise<{ sandbox: BaiduGeoSandbox; setClock(ms: number): void }> {
  let clockMs = startMs;
  const sandbox = await startBaiduGeoSandbox({
    credentials: [CREDENTIALS],
    seed,
    now: () => new Date(clockMs),
  });
  return {
    sandbox,
    setClock(ms) {
      clockMs = ms;
    },
  };
}

async function get(sandbox: BaiduGeoSandbox, atMs: number, query: Record<string, string>): Promise<string> {
  const { url, headers } = signedGet({
    baseUrl: sandbox.url,
    credentials: CREDENTIALS,
    at: new Date(atMs),
    query,
  });
  const res = await request(url, { headers });
  expect(res.statusCode).toBe(200);
  return res.body.text();
}

/** The site's last two hours before the anchor: every record unfinished at the anchor, and more. */
const WINDOW = {
  site: SITE,
  startTime: formatUtcSeconds(ANCHOR - 2 * HOUR),
  endTime: formatUtcSeconds(ANCHOR),
};

describe("the Baidu GEO sandbox's records over time", () => {
  let sandbox: BaiduGeoSandbox;
  let setClock: (ms: number) => void;
  let moving: string[];

  beforeAll(async () => {
    ({ sandbox, setClock } = await clocked());
    const ids = sandbox.recordIds(SITE, { start: new Date(ANCHOR - 2 * HOUR), end: new Date(ANCHOR) });
    moving = ids.filter((id) => sandbox.schedule(id) !== undefined);
  });
  afterAll(() => sandbox.close());

  it("has records of the site waiting and in progress at the start", () => {
    const statuses = moving.map((id) => (sandbox.record(id, new Date(START)) as Detail).status);
    expect(statuses).toContain("waiting");
    expect(statuses).toContain("in-progress");
  });

  it("schedules only records unfinished at the anchor, and tells when everything has settled", () => {
    const finished = sandbox.recordIds(SITE).find((id) => sandbox.schedule(id) === undefined)!;
    expect((sandbox.record(finished) as Detail).status).toMatch(/^(completed|failed)$/);
    expect(sandbox.schedule("f".repeat(32))).toBeUndefined();
    expect(sandbox.liveFrom.getTime()).toBe(ANCHOR + 3 * MINUTE);
    const ends = moving.map((id) => sandbox.schedule(id)!.terminalAt.getTime());
    expect(sandbox.settledAt.getTime()).toBeGreaterThanOrEqual(Math.max(...ends));
    expect(sandbox.settledAt.getTime()).toBeLessThanOrEqual(ANCHOR + 13 * MINUTE);
  });

  it("takes a waiting record through in-progress with rising progress to its terminal state", async () => {
    const id = moving.find((candidate) => sandbox.schedule(candidate)!.startsAt !== null)!;
    const schedule = sandbox.schedule(id)!;
    const startsAt = schedule.startsAt!.getTime();
    const terminalAt = schedule.terminalAt.getTime();
    const lookup = async (ms: number): Promise<Detail> => {
      setClock(ms);
      const page = JSON.parse(await get(sandbox, ms, { site: SITE, id })) as Page;
      return page.details[0]!;
    };

    expect(await lookup(startsAt - SECOND)).toMatchObject({ status: "waiting", progress: 0 });
    expect(await lookup(startsAt)).toMatchObject({
      status: "in-progress",
      startedAt: formatUtcSeconds(startsAt),
    });
    const running: number[] = [];
    for (let ms = startsAt; ms < terminalAt; ms += (terminalAt - startsAt) / 8) {
      const detail = await lookup(ms);
      expect(detail.status).toBe("in-progress");
      expect(detail.finishedAt).toBeUndefined();
      running.push(detail.progress);
    }
    expect([...running].sort((a, b) => a - b)).toEqual(running);
    expect(running[running.length - 1]).toBeGreaterThan(running[0]!);
    const terminal = await lookup(terminalAt);
    expect(terminal).toMatchObject({
      status: schedule.status,
      progress: schedule.progress,
      finishedAt: formatUtcSeconds(terminalAt),
    });
    expect(await lookup(terminalAt + 5 * HOUR)).toEqual(terminal);
  });

  it("answers a listing and lookups alike at every instant, as record(id, at) shows", async () => {
    const submissions = [...new Set(moving.map((id) => sandbox.submissionId(id)!))];
    for (let ms = ANCHOR; ms <= sandbox.settledAt.getTime() + 30 * SECOND; ms += 30 * SECOND) {
      setClock(ms);
      const listed = (JSON.parse(await get(sandbox, ms, WINDOW)) as Page).details;
      const looked = await Promise.all(
        submissions.map(
          async (id) => (JSON.parse(await get(sandbox, ms, { site: SITE, id })) as Page).details,
        ),
      );
      const byId = new Map(listed.map((detail) => [detail.id, detail]));
      for (const detail of looked.flat()) expect(detail).toEqual(byId.get(detail.id));
      expect(looked.flat().map((d) => d.id)).toEqual(expect.arrayContaining(moving));
      for (const detail of listed) expect(detail).toEqual(sandbox.record(detail.id, new Date(ms)));
    }
  });

  it("shows every record terminal from settledAt on", async () => {
    const ms = sandbox.settledAt.getTime();
    setClock(ms);
    const listed = (JSON.parse(await get(sandbox, ms, WINDOW)) as Page).details;
    expect(listed.filter((d) => d.status === "waiting" || d.status === "in-progress")).toEqual([]);
  });
});

describe("two Baidu GEO sandboxes with the same seed started in the same minute", () => {
  it("answer alike at the same instant, whatever second each started", async () => {
    const a = await clocked(5, ANCHOR + 2 * SECOND);
    const b = await clocked(5, ANCHOR + 58 * SECOND);
    try {
      for (const ms of [
        START,
        ANCHOR + 4 * MINUTE,
        ANCHOR + 7 * MINUTE + 13 * SECOND,
        ANCHOR + 20 * MINUTE,
      ]) {
        a.setClock(ms);
        b.setClock(ms);
        expect(await get(b.sandbox, ms, WINDOW)).toBe(await get(a.sandbox, ms, WINDOW));
      }
    } finally {
      await Promise.all([a.sandbox.close(), b.sandbox.close()]);
    }
  });
});

describe("the Baidu GEO sandbox with live: false", () => {
  it("keeps every record as seeded however late the clock", async () => {
    let clockMs = START;
    const sandbox = await startBaiduGeoSandbox({
      credentials: [CREDENTIALS],
      live: false,
      now: () => new Date(clockMs),
    });
    try {
      const ids = sandbox.recordIds(SITE, { start: new Date(ANCHOR - 2 * HOUR), end: new Date(ANCHOR) });
      const atStart = (JSON.parse(await get(sandbox, START, WINDOW)) as Page).details;
      expect(atStart.map((d) => d.status)).toContain("waiting");
      expect(ids.every((id) => sandbox.schedule(id) === undefined)).toBe(true);
      clockMs = ANCHOR + HOUR;
      expect((JSON.parse(await get(sandbox, clockMs, WINDOW)) as Page).details).toEqual(atStart);
    } finally {
      await sandbox.close();
    }
  });
});
