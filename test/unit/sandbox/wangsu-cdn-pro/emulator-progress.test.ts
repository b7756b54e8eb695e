import { startWangsuCdnProSandbox, type WangsuCdnProSandbox } from "../../../../src/sandbox/wangsu-cdn-pro";
import { ANCHOR, NOW, USER, call, listPath, type ListBody, type ListRow } from "./sandbox-client";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const ANCHOR_MS = ANCHOR.getTime();
/** The last day before the anchor: every task unfinished there, and more. */
const LAST_DAY = { start: new Date(ANCHOR_MS - 24 * HOUR), end: ANCHOR };

interface Metadata {
  readonly id: string;
  readonly status: string;
  readonly successRate?: number;
  readonly finishTime?: string;
  readonly submissionTime: string;
}

/** An emulator whose clock the test moves; the limit is high enough for every request a test makes. */
async function clocked(seed = 1, startMs = NOW.getTime()) {
  let clockMs = startMs;
  const sandbox = await startWangsuCdnProSandbox({
    credentials: [USER],
    seed,
    now: () => new Date(clockMs),
    rateLimit: { points: 100_000, durationSeconds: 300 },
  });
  return {
    sandbox,
    setClock(ms: number) {
      clockMs = ms;
    },
  };
}

async function listAt(sandbox: WangsuCdnProSandbox, ms: number, extra: Record<string, string | number> = {}) {
  const res = await call(sandbox, listPath(LAST_DAY, { limit: 200, ...extra }), { date: new Date(ms) });
  expect(res.status).toBe(200);
  return res.json<ListBody>();
}

async function metadataAt(sandbox: WangsuCdnProSandbox, ms: number, id: string): Promise<Metadata> {
  const res = await call(sandbox, `/cdn/prefetches/${id}`, { date: new Date(ms) });
  expect(res.status).toBe(200);
  const body = res.json<{ metadata?: Metadata; metaData?: Metadata }>();
  return (body.metadata ?? body.metaData)!;
}

/** What a list row and a detail's metadata both say. */
const summary = (s: ListRow | Metadata) => ({
  id: s.id,
  status: s.status,
  successRate: s.successRate,
  finishTime: s.finishTime,
  submissionTime: s.submissionTime,
});

describe("the Wangsu CDN Pro sandbox's tasks over time", () => {
  let sandbox: WangsuCdnProSandbox;
  let setClock: (ms: number) => void;
  let moving: string[];

  beforeAll(async () => {
    ({ sandbox, setClock } = await clocked());
    moving = sandbox.taskIds(LAST_DAY).filter((id) => sandbox.schedule(id) !== undefined);
  });
  afterAll(() => sandbox.close());

  it("has www.example.com tasks waiting or in progress at the start", () => {
    const live = sandbox
      .taskIds(LAST_DAY, "www.example.com")
      .filter((id) => sandbox.schedule(id) !== undefined);
    expect(live.length).toBeGreaterThan(0);
    for (const id of live) expect(readMetadata(sandbox.detail(id, NOW)).status).not.toBe("finished");
  });

  it("schedules only tasks unfinished at the anchor, and tells when everything has settled", () => {
    const finished = sandbox.taskIds(LAST_DAY).find((id) => sandbox.schedule(id) === undefined)!;
    expect(readMetadata(sandbox.detail(finished)).status).toBe("finished");
    expect(sandbox.schedule("ffffffffffffffffffffffff")).toBeUndefined();
    expect(sandbox.liveFrom.getTime()).toBe(ANCHOR_MS + 3 * MINUTE);
    const ends = moving.map((id) => sandbox.schedule(id)!.terminalAt.getTime());
    expect(sandbox.settledAt.getTime()).toBe(Math.max(...ends));
    expect(sandbox.settledAt.getTime()).toBeLessThanOrEqual(ANCHOR_MS + 13 * MINUTE);
  });

  it("takes a queued task through inprogress with a rising success rate to finished", async () => {
    const id = moving.find((candidate) => sandbox.schedule(candidate)!.startsAt !== null)!;
    const schedule = sandbox.schedule(id)!;
    const startsAt = schedule.startsAt!.getTime();
    const terminalAt = schedule.terminalAt.getTime();
    const lookup = (ms: number): Promise<Metadata> => {
      setClock(ms);
      return metadataAt(sandbox, ms, id);
    };

    expect(await lookup(startsAt - SECOND)).toMatchObject({ status: "waiting" });
    expect((await lookup(startsAt - SECOND)).successRate).toBeUndefined();
    const rates: number[] = [];
    for (let ms = startsAt; ms < terminalAt; ms += (terminalAt - startsAt) / 8) {
      const metadata = await lookup(ms);
      expect(metadata.status).toBe("inprogress");
      expect(metadata.finishTime).toBeUndefined();
      rates.push(metadata.successRate!);
    }
    expect([...rates].sort((a, b) => a - b)).toEqual(rates);
    const finished = await lookup(terminalAt);
    expect(finished).toMatchObject({
      status: "finished",
      successRate: schedule.successRate,
      finishTime: new Date(terminalAt).toISOString().replace(".000Z", "Z"),
    });
    expect(await lookup(terminalAt + 5 * HOUR)).toEqual(finished);
  });

  it("answers the list and the details alike at every instant, as detail(id, at) shows", async () => {
    for (let ms = ANCHOR_MS; ms <= sandbox.settledAt.getTime() + 30 * SECOND; ms += 30 * SECOND) {
      setClock(ms);
      const rows = new Map((await listAt(sandbox, ms)).prefetchRequests.map((row) => [row.id, row]));
      for (const id of moving) {
        const metadata = await metadataAt(sandbox, ms, id);
        expect(summary(metadata)).toEqual(summary(rows.get(id)!));
        expect(metadata).toEqual(readMetadata(sandbox.detail(id, new Date(ms))));
      }
    }
  });

  it("orders by finishTime as of the request: the task that has just finished comes first", async () => {
    const ms = Math.min(...moving.map((id) => sandbox.schedule(id)!.terminalAt.getTime()));
    setClock(ms);
    const rows = (await listAt(sandbox, ms, { sortBy: "finishTime", sortOrder: "desc" })).prefetchRequests;
    const done = rows.filter((row) => row.finishTime !== undefined);
    expect(rows.slice(0, done.length)).toEqual(done);
    const times = done.map((row) => Date.parse(row.finishTime!));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(moving).toContain(done[0]!.id);
    expect(times[0]).toBe(ms);
  });
});

describe("two Wangsu CDN Pro sandboxes with the same seed started in the same minute", () => {
  it("answer alike at the same instant, whatever second each started", async () => {
    const a = await clocked(5, ANCHOR_MS + 2 * SECOND);
    const b = await clocked(5, ANCHOR_MS + 58 * SECOND);
    try {
      for (const ms of [NOW.getTime(), ANCHOR_MS + 4 * MINUTE, ANCHOR_MS + 7 * MINUTE + 13 * SECOND]) {
        a.setClock(ms);
        b.setClock(ms);
        expect(await listAt(b.sandbox, ms)).toEqual(await listAt(a.sandbox, ms));
      }
    } finally {
      await Promise.all([a.sandbox.close(), b.sandbox.close()]);
    }
  });
});

function readMetadata(body: unknown): Metadata {
  const detail = body as { metadata?: Metadata; metaData?: Metadata };
  return (detail.metadata ?? detail.metaData)!;
}
