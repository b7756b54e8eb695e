import { request } from "undici";
import { type BaiduGeoSandbox, startBaiduGeoSandbox } from "../../../../src/sandbox/baidu-geo";
import { startSandbox } from "../../../../src/sandbox";
import { formatUtcSeconds } from "../../../../src/sandbox/time";
import { signedGet } from "./signed-request.helper";

const CREDENTIALS = { accessKeyId: "sandbox-ak", secretAccessKey: "sandbox-sk" };
const START = Date.parse("2026-03-01T12:00:30Z");
const ANCHOR = Date.parse("2026-03-01T12:00:00Z");
const DAY = 24 * 60 * 60 * 1000;
const SITE = "www.example.com";
/** A 30-day window of the big site: several 100-record pages. */
const WINDOW = {
  site: SITE,
  startTime: formatUtcSeconds(ANCHOR - 30 * DAY),
  endTime: formatUtcSeconds(ANCHOR),
};

interface Detail {
  readonly id: string;
  readonly createdAt: string;
}

interface Page {
  readonly details: Detail[];
  readonly isTruncated: boolean;
  readonly nextMarker?: string;
}

async function get(sandbox: BaiduGeoSandbox, query: Record<string, string | undefined>) {
  const { url, headers } = signedGet({
    baseUrl: sandbox.url,
    credentials: CREDENTIALS,
    at: new Date(START),
    query,
  });
  const res = await request(url, { headers });
  return { status: res.statusCode, json: (await res.body.json()) as Page & { code?: string } };
}

/** Every page of a window, following nextMarker. */
async function collect(sandbox: BaiduGeoSandbox, query: Record<string, string>): Promise<Page[]> {
  const pages: Page[] = [];
  let marker: string | undefined;
  do {
    const { status, json } = await get(sandbox, { ...query, marker });
    expect(status).toBe(200);
    pages.push(json);
    marker = json.nextMarker;
  } while (marker !== undefined);
  return pages;
}

const ids = (pages: readonly Page[]): string[] => pages.flatMap((page) => page.details.map((d) => d.id));

describe("the Baidu GEO sandbox's list order", () => {
  let asc: BaiduGeoSandbox;
  let desc: BaiduGeoSandbox;

  beforeAll(async () => {
    const now = () => new Date(START);
    asc = await startBaiduGeoSandbox({ credentials: [CREDENTIALS], now });
    desc = await startBaiduGeoSandbox({ credentials: [CREDENTIALS], now, listOrder: "desc" });
  });
  afterAll(() => Promise.all([asc.close(), desc.close()]));

  it("lists oldest first by default: ascending createdAt, ties by ascending id, across markers", async () => {
    const pages = await collect(asc, WINDOW);
    expect(pages.length).toBeGreaterThan(1);
    const details = pages.flatMap((page) => page.details);
    const keys = details.map((d) => `${d.createdAt} ${d.id}`);
    expect(keys).toEqual([...keys].sort());
    expect(new Set(ids(pages)).size).toBe(details.length);
    expect(ids(pages)).toEqual(
      asc.recordIds(SITE, { start: new Date(ANCHOR - 30 * DAY), end: new Date(ANCHOR) }),
    );
  });

  it('lists newest first with "desc", exactly the reverse of "asc", across markers', async () => {
    const ascending = ids(await collect(asc, WINDOW));
    const pages = await collect(desc, WINDOW);
    expect(pages.length).toBeGreaterThan(1);
    expect(ids(pages)).toEqual([...ascending].reverse());
    const keys = pages.flatMap((page) => page.details).map((d) => `${d.createdAt} ${d.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    expect(ids(pages)).toEqual(
      desc.recordIds(SITE, { start: new Date(ANCHOR - 30 * DAY), end: new Date(ANCHOR) }),
    );
  });

  it("breaks a tie of createdAt by descending id in desc, also where a page boundary falls inside it", async () => {
    const all = desc.recordIds(SITE);
    const created = (id: string | undefined) =>
      id === undefined ? "" : (desc.record(id) as Detail).createdAt;
    // A window ending at the createdAt that starts a run (newest first), whose 100th and 101st records tie.
    const first = all.findIndex(
      (id, k) => created(all[k - 1]) !== created(id) && created(all[k + 99]) === created(all[k + 100]),
    );
    expect(first).toBeGreaterThanOrEqual(0);
    const end = Date.parse(created(all[first]));
    const window = {
      site: SITE,
      startTime: formatUtcSeconds(end - 30 * DAY),
      endTime: formatUtcSeconds(end),
    };
    const pages = await collect(desc, window);
    const expected = desc.recordIds(SITE, { start: new Date(end - 30 * DAY), end: new Date(end) });
    expect(expected.length).toBeGreaterThan(100);
    expect(ids(pages)).toEqual(expected);
    expect(pages[0]!.details).toHaveLength(100);
    expect(created(expected[99])).toBe(created(expected[100]));
    expect(expected[99]! > expected[100]!).toBe(true);
  });

  it("does not change what a lookup by submission id answers", async () => {
    const record = asc.recordIds(SITE).find((id) => {
      const submission = asc.submissionId(id)!;
      return asc.recordIds(SITE).filter((other) => asc.submissionId(other) === submission).length > 1;
    })!;
    const query = { site: SITE, id: asc.submissionId(record)! };
    const [fromAsc, fromDesc] = await Promise.all([get(asc, query), get(desc, query)]);
    expect(fromDesc.json).toEqual(fromAsc.json);
    // One createdAt per submission: ascending order is ascending id.
    const lookedUp = fromAsc.json.details.map((d) => d.id);
    expect(lookedUp.length).toBeGreaterThan(1);
    expect(lookedUp).toEqual([...lookedUp].sort());
  });

  it("refuses a marker issued in the other order", async () => {
    const first = (await get(asc, WINDOW)).json;
    const reply = await get(desc, { ...WINDOW, marker: first.nextMarker });
    expect(reply.status).toBe(400);
    expect(reply.json.code).toBe("InvalidArgument");
  });

  it("refuses an order it does not know", async () => {
    await expect(
      startBaiduGeoSandbox({ credentials: [], listOrder: "newest" as unknown as "asc" }),
    ).rejects.toThrow(RangeError);
  });
});

describe("startSandbox's baiduListOrder", () => {
  it("reaches the Baidu emulator", async () => {
    const sandbox = await startSandbox({ now: () => new Date(START), baiduListOrder: "desc" });
    const reference = await startBaiduGeoSandbox({ credentials: [], now: () => new Date(START) });
    try {
      expect(sandbox.baiduGeo.recordIds(SITE)).toEqual([...reference.recordIds(SITE)].reverse());
    } finally {
      await Promise.all([sandbox.close(), reference.close()]);
    }
  });
});
