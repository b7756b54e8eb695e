import pino from "pino";
import { MockAgent, type Interceptable } from "undici";
import type { MockInterceptor } from "undici/types/mock-interceptor";
import { type AppError, BadUserInputError, UpstreamError } from "../../../../src/errors/app-error";
import { UNLIMITED_BUDGET } from "../../../../src/http/rate-budget";
import type { RetryPolicy } from "../../../../src/http/upstream-http";
import type { ProviderDeps } from "../../../../src/providers/provider";
import { signRequest } from "../../../../src/providers/baidu-geo/auth";
import { createBaiduGeoProvider, type BaiduGeoProvider } from "../../../../src/providers/baidu-geo/module";
import { BaiduGeoCredentials } from "../../../../src/providers/baidu-geo/credentials";
import { bareRecord, DOC_EXAMPLE_SINGLE_PAGE, DOC_EXAMPLE_TRUNCATED, page } from "./fixtures";

const ORIGIN = "https://geo.baidubce.com";
const PATH = "/v2/geo/cache/prefetch";
const credentials = Object.assign(new BaiduGeoCredentials(), {
  accessKeyId: "ak-test-0001",
  secretAccessKey: "sk-test-secret-0001",
});
const window = { start: new Date("2025-11-10T02:00:00Z"), end: new Date("2025-11-11T02:00:00Z") };
const tinyRetry: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 2,
  retryStatuses: new Set([500, 502, 503]),
};
const json = { headers: { "content-type": "application/json; charset=utf-8" } };

interface SeenRequest {
  readonly path: string;
  readonly rawQuery: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
}

function headersOf(opts: MockInterceptor.MockResponseCallbackOptions): Record<string, string> {
  const out: Record<string, string> = {};
  const raw: unknown = opts.headers;
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i]).toLowerCase()] = String(raw[i + 1]);
  } else if (raw !== null && typeof raw === "object") {
    for (const [k, v] of Object.entries(raw)) out[k.toLowerCase()] = String(v);
  }
  return out;
}

function seen(opts: MockInterceptor.MockResponseCallbackOptions): SeenRequest {
  const url = new URL(opts.path, ORIGIN);
  return {
    path: url.pathname,
    rawQuery: url.search.slice(1),
    query: Object.fromEntries(url.searchParams),
    headers: headersOf(opts),
  };
}

let agent: MockAgent;
let requests: SeenRequest[];

function deps(): ProviderDeps {
  return {
    dispatcherFor: () => agent,
    logger: pino({ level: "silent" }),
    budget: UNLIMITED_BUDGET,
  };
}

function provider(endpoint = ORIGIN, now?: () => Date): BaiduGeoProvider {
  return createBaiduGeoProvider(
    { name: "main", endpoint, credentials, sandbox: false },
    deps(),
    now === undefined ? { retry: tinyRetry } : { retry: tinyRetry, now },
  );
}

/** Answers every matching call through `answer`, recording what was asked. */
function answer(
  respond: (req: SeenRequest) => { status: number; body: unknown; headers?: Record<string, string> },
  origin = ORIGIN,
): void {
  const pool: Interceptable = agent.get(origin);
  pool
    .intercept({ path: (p) => p.startsWith(`${PATH}?`), method: "GET" })
    .reply((opts) => {
      const req = seen(opts);
      requests.push(req);
      const r = respond(req);
      const data = typeof r.body === "string" ? r.body : JSON.stringify(r.body);
      return { statusCode: r.status, data, responseOptions: { headers: { ...json.headers, ...r.headers } } };
    })
    .persist();
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  requests = [];
});

afterEach(async () => {
  await agent.close();
});

describe("Baidu GEO client: listing", () => {
  it("asks for the site and the window's bounds as Baidu timestamps, and no marker on the first page", async () => {
    answer(() => ({ status: 200, body: DOC_EXAMPLE_SINGLE_PAGE }));
    await provider().listPage({ site: "test.com", window }, null);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.path).toBe(PATH);
    expect(requests[0]?.query).toEqual({
      site: "test.com",
      startTime: "2025-11-10T02:00:00Z",
      endTime: "2025-11-11T02:00:00Z",
    });
  });

  it("repeats the same start and end times alongside the marker of the next page", async () => {
    answer(() => ({ status: 200, body: DOC_EXAMPLE_TRUNCATED }));
    const p = provider();
    const first = await p.listPage({ site: "test.com", window }, null);
    await p.listPage({ site: "test.com", window }, first.nextPageToken);
    expect(requests[1]?.query).toEqual({ ...requests[0]?.query, marker: "xxx" });
  });

  it("sends the query with reserved characters percent-encoded", async () => {
    answer(() => ({ status: 200, body: page([]) }));
    await provider().listPage({ site: "test.com", window }, "m/1+2=3");
    expect(requests[0]?.query.marker).toBe("m/1+2=3");
    // A bare "+" would read as a space on Baidu's side.
    expect(requests[0]?.rawQuery).toContain("marker=m%2F1%2B2%3D3");
  });

  it("maps the rows of the page and hands on Baidu's marker", async () => {
    answer(() => ({ status: 200, body: DOC_EXAMPLE_TRUNCATED }));
    const result = await provider().listPage({ site: "test.com", window }, null);
    expect(result.tasks.map((t) => t.targets?.[0]?.url)).toEqual([
      "http://1.test.com/test1.png",
      "http://1.test.com/test2.png",
    ]);
    expect(result.nextPageToken).toBe("xxx");
  });

  it("refuses to list without a site, before any call", async () => {
    await expect(provider().listPage({ site: null, window }, null)).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      extensions: { argumentName: "site" },
    });
    expect(requests).toHaveLength(0);
  });
});

describe("Baidu GEO client: signing", () => {
  it("signs host and x-bce-date with a signature that verifies", async () => {
    answer(() => ({ status: 200, body: page([]) }));
    await provider().listPage({ site: "test.com", window }, "abc");
    const req = requests[0]!;
    expect(req.headers.host).toBe("geo.baidubce.com");
    expect(req.headers.accept).toBe("application/json");
    expect(req.headers["x-bce-date"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(req.headers.authorization).toContain(`/${req.headers["x-bce-date"]}/1800/host;x-bce-date/`);
    const expected = signRequest({
      method: "GET",
      path: req.path,
      query: req.query,
      headers: { host: req.headers.host!, "x-bce-date": req.headers["x-bce-date"]! },
      credentials,
      timestamp: new Date(req.headers["x-bce-date"]!),
      headersToSign: ["host"],
    });
    expect(req.headers.authorization).toBe(expected);
  });

  it("puts a non-default port into the signed Host", async () => {
    answer(() => ({ status: 200, body: page([]) }), "http://127.0.0.1:4567");
    await provider("http://127.0.0.1:4567").listPage({ site: "test.com", window }, null);
    const req = requests[0]!;
    expect(req.headers.host).toBe("127.0.0.1:4567");
    const expected = signRequest({
      method: "GET",
      path: PATH,
      query: req.query,
      headers: { host: "127.0.0.1:4567", "x-bce-date": req.headers["x-bce-date"]! },
      credentials,
      timestamp: new Date(req.headers["x-bce-date"]!),
      headersToSign: ["host"],
    });
    expect(req.headers.authorization).toBe(expected);
  });

  it("signs every attempt afresh with the time of that attempt", async () => {
    let calls = 0;
    answer(() => (++calls < 3 ? { status: 503, body: "" } : { status: 200, body: page([]) }));
    let tick = Date.parse("2025-11-11T00:00:00Z");
    const now = () => new Date((tick += 1000));
    await provider(ORIGIN, now).listPage({ site: "test.com", window }, null);
    const dates = requests.map((r) => r.headers["x-bce-date"]);
    expect(dates).toEqual(["2025-11-11T00:00:01Z", "2025-11-11T00:00:02Z", "2025-11-11T00:00:03Z"]);
    expect(new Set(requests.map((r) => r.headers.authorization)).size).toBe(3);
  });
});

describe("Baidu GEO client: upstream failures", () => {
  it("reports 403 SignatureDoesNotMatch as UPSTREAM_AUTH_FAILED with Baidu's code and request id", async () => {
    answer(() => ({
      status: 403,
      body: {
        code: "SignatureDoesNotMatch",
        message: "The request signature does not match.",
        requestId: "req-403",
      },
    }));
    const error = await rejection(provider().listPage({ site: "test.com", window }, null));
    expect(error.code).toBe("UPSTREAM_AUTH_FAILED");
    expect(error.extensions).toMatchObject({
      provider: "BAIDU_GEO",
      account: "main",
      upstreamStatus: 403,
      upstreamCode: "SignatureDoesNotMatch",
      upstreamRequestId: "req-403",
    });
    expect(error.message).toBe(
      "Baidu GEO answered HTTP 403 SignatureDoesNotMatch: the account's credentials were rejected: The request signature does not match.",
    );
  });

  it("never quotes the credentials or the Authorization header in an error", async () => {
    answer(() => ({
      status: 400,
      body: { code: "InvalidHTTPAuthHeader", message: `bad header for sk-test-secret-0001 / ak-test-0001` },
    }));
    const error = await rejection(provider().listPage({ site: "test.com", window }, null));
    expect(error.code).toBe("UPSTREAM_AUTH_FAILED");
    const shown = `${error.message} ${JSON.stringify(error.extensions)}`;
    expect(shown).not.toContain("sk-test-secret-0001");
    expect(shown).not.toContain("ak-test-0001");
    expect(shown).not.toContain("bce-auth-v1");
  });

  it("reads RequestExpired as an authentication failure whatever its status", async () => {
    answer(() => ({ status: 400, body: { code: "RequestExpired", message: "expired", requestId: "r" } }));
    const error = await rejection(provider().listPage({ site: "test.com", window }, null));
    expect(error.code).toBe("UPSTREAM_AUTH_FAILED");
  });

  it("reports another 4xx as UPSTREAM_BAD_REQUEST", async () => {
    answer(() => ({
      status: 400,
      body: { code: "InvalidURI", message: "bad time range", requestId: "r-400" },
    }));
    const error = await rejection(provider().listPage({ site: "test.com", window }, null));
    expect(error.code).toBe("UPSTREAM_BAD_REQUEST");
    expect(error.extensions).toMatchObject({ upstreamStatus: 400, upstreamCode: "InvalidURI" });
  });

  it("reports 429 as UPSTREAM_RATE_LIMITED with the Retry-After it asked for", async () => {
    answer(() => ({ status: 429, body: "", headers: { "retry-after": "7" } }));
    const error = await rejection(provider().listPage({ site: "test.com", window }, null));
    expect(error.code).toBe("UPSTREAM_RATE_LIMITED");
    expect(error.extensions).toMatchObject({ retryAfter: 7 });
  });

  it("retries a 500 and then reports UPSTREAM_UNAVAILABLE", async () => {
    answer(() => ({ status: 500, body: { code: "InternalError", message: "oops", requestId: "r-500" } }));
    const p = provider();
    const error = await rejection(p.listPage({ site: "test.com", window }, null));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(requests).toHaveLength(tinyRetry.attempts);
    expect(p.lastOutcome()).toMatchObject({ ok: false, code: "UPSTREAM_UNAVAILABLE" });
  });

  it("falls back to the status and the x-bce-request-id header when the error body is not JSON", async () => {
    answer(() => ({
      status: 502,
      body: "<html>Bad Gateway</html>",
      headers: { "x-bce-request-id": "hdr-1" },
    }));
    const error = await rejection(provider().listPage({ site: "test.com", window }, null));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.message).toBe("Baidu GEO answered HTTP 502");
    expect(error.extensions).toMatchObject({ upstreamStatus: 502, upstreamRequestId: "hdr-1" });
    expect(error.extensions).not.toHaveProperty("upstreamCode");
  });

  it("reports a 200 whose body is not JSON as UPSTREAM_BAD_RESPONSE", async () => {
    answer(() => ({ status: 200, body: "<html>ok</html>" }));
    const error = await rejection(provider().listPage({ site: "test.com", window }, null));
    expect(error.code).toBe("UPSTREAM_BAD_RESPONSE");
  });

  it("reports a 200 with a malformed record as UPSTREAM_BAD_RESPONSE", async () => {
    answer(() => ({ status: 200, body: page([bareRecord({ task: [] })]) }));
    const p = provider();
    const error = await rejection(p.listPage({ site: "test.com", window }, null));
    expect(error.code).toBe("UPSTREAM_BAD_RESPONSE");
    expect(p.lastOutcome()).toMatchObject({ ok: false, code: "UPSTREAM_BAD_RESPONSE" });
  });

  it("records a successful call as the last outcome", async () => {
    answer(() => ({ status: 200, body: page([]) }));
    const p = provider();
    expect(p.lastOutcome()).toBeNull();
    await p.listPage({ site: "test.com", window }, null);
    expect(p.lastOutcome()).toMatchObject({ ok: true });
  });
});

describe("Baidu GEO client: lookups by id", () => {
  const ref = (taskId: string, site: string | null = "test.com") => ({
    provider: "BAIDU_GEO" as const,
    account: "main",
    taskId,
    site,
  });

  it("asks by site and id only, without times or marker", async () => {
    answer(() => ({ status: 200, body: page([bareRecord({ id: "t-1" })]) }));
    await provider().getTasks([ref("t-1")]);
    expect(requests[0]?.query).toEqual({ site: "test.com", id: "t-1" });
  });

  it("answers in the order asked, with null for an unknown id and an error for a failed lookup", async () => {
    answer((req) => {
      const id = req.query.id ?? "";
      if (id === "denied")
        return { status: 403, body: { code: "AccessDenied", message: "no", requestId: "r" } };
      if (id === "unknown") return { status: 200, body: page([]) };
      return { status: 200, body: page([bareRecord({ id, task: { url: `https://a.example.com/${id}` } })]) };
    });
    const results = await provider().getTasks([ref("t-1"), ref("unknown"), ref("denied"), ref("t-4")]);
    expect(results).toHaveLength(4);
    expect(results[0]).toMatchObject({ ref: ref("t-1"), targets: [{ url: "https://a.example.com/t-1" }] });
    expect(results[1]).toBeNull();
    expect(results[2]).toBeInstanceOf(UpstreamError);
    expect((results[2] as AppError).code).toBe("UPSTREAM_AUTH_FAILED");
    expect(results[3]).toMatchObject({ ref: ref("t-4") });
  });

  it("fails a ref without a site on its own, without calling Baidu", async () => {
    answer((req) => ({ status: 200, body: page([bareRecord({ id: req.query.id })]) }));
    const results = await provider().getTasks([ref("t-1", null), ref("t-2")]);
    expect(results[0]).toMatchObject({ code: "BAD_USER_INPUT", extensions: { argumentName: "site" } });
    expect(results[1]).toMatchObject({ ref: ref("t-2") });
    expect(requests.map((r) => r.query.id)).toEqual(["t-2"]);
  });

  it("takes the latest record when Baidu returns the id several times", async () => {
    answer(() => ({
      status: 200,
      body: page([
        bareRecord({ id: "t-1", status: "failed", createdAt: "2025-11-10T01:00:00Z" }),
        bareRecord({ id: "t-1", status: "completed", createdAt: "2025-11-10T05:00:00Z" }),
      ]),
    }));
    const [task] = await provider().getTasks([ref("t-1")]);
    expect(task).toMatchObject({ status: "COMPLETED" });
  });

  it("looks up a long batch completely and in order", async () => {
    answer((req) => ({ status: 200, body: page([bareRecord({ id: req.query.id })]) }));
    const ids = Array.from({ length: 11 }, (_, i) => `t-${i}`);
    const results = await provider().getTasks(ids.map((id) => ref(id)));
    expect(results.map((r) => (r instanceof Error || r === null ? r : r.ref.taskId))).toEqual(ids);
  });

  it("answers an empty batch without calling Baidu", async () => {
    expect(await provider().getTasks([])).toEqual([]);
    expect(requests).toHaveLength(0);
  });
});

describe("Baidu GEO client: lookups where the id query does not know the per-URL id", () => {
  const CREATED = "2025-11-10T02:50:39Z";
  const ref = (taskId: string, createdAt: Date | null = new Date(CREATED)) => ({
    provider: "BAIDU_GEO" as const,
    account: "main",
    taskId,
    site: "test.com",
    createdAt,
  });
  /** Baidu as documented: `id` takes only the submission id "s-1", whose records are u-1 and u-2. */
  const submission = [
    bareRecord({ id: "u-1", createdAt: CREATED, task: { url: "https://test.com/1.png" } }),
    bareRecord({ id: "u-2", createdAt: CREATED, task: { url: "https://test.com/2.png" } }),
  ];
  const other = bareRecord({ id: "u-9", createdAt: "2025-11-10T02:50:40Z" });
  const strictBaidu = (req: SeenRequest) => {
    if (req.query.id !== undefined)
      return { status: 200, body: page(req.query.id === "s-1" ? submission : []) };
    return { status: 200, body: page([...submission, other]) };
  };

  it("lists the second the record was created in and takes the record from there", async () => {
    answer(strictBaidu);
    const [task] = await provider().getTasks([ref("u-2")]);
    expect(task).toMatchObject({ ref: ref("u-2"), targets: [{ url: "https://test.com/2.png" }] });
    expect(requests.map((r) => r.query)).toEqual([
      { site: "test.com", id: "u-2" },
      // One second past the record's, so that an exclusive endTime or a stored fraction cannot hide it.
      { site: "test.com", startTime: "2025-11-10T02:50:39Z", endTime: "2025-11-10T02:50:40Z" },
    ]);
  });

  it("lists the whole second even when the hint carries a fraction", async () => {
    answer(strictBaidu);
    await provider().getTasks([ref("u-1", new Date("2025-11-10T02:50:39.900Z"))]);
    expect(requests[1]?.query).toMatchObject({ startTime: CREATED, endTime: "2025-11-10T02:50:40Z" });
  });

  it("follows the listing's markers, with the same times", async () => {
    answer((req) => {
      if (req.query.id !== undefined) return { status: 200, body: page([]) };
      return req.query.marker === undefined
        ? { status: 200, body: page([submission[0]], { isTruncated: true, nextMarker: "m-2" }) }
        : { status: 200, body: page([submission[1]]) };
    });
    const [task] = await provider().getTasks([ref("u-2")]);
    expect(task).toMatchObject({ ref: { taskId: "u-2" } });
    expect(requests).toHaveLength(3);
    expect(requests[2]?.query).toEqual({ ...requests[1]?.query, marker: "m-2" });
  });

  it("lists a second once for all the refs of one batch created in it", async () => {
    answer(strictBaidu);
    const results = await provider().getTasks([ref("u-1"), ref("u-2"), ref("u-404")]);
    expect(results.map((r) => (r === null || r instanceof Error ? r : r.ref.taskId))).toEqual([
      "u-1",
      "u-2",
      null,
    ]);
    expect(requests.filter((r) => r.query.id === undefined)).toHaveLength(1);
    expect(requests).toHaveLength(4);
  });

  it("answers null when the second's listing does not hold the record either", async () => {
    answer(strictBaidu);
    const [task] = await provider().getTasks([ref("u-404")]);
    expect(task).toBeNull();
    expect(requests).toHaveLength(2);
  });

  it("does not list when the id query finds the record itself", async () => {
    answer((req) => ({ status: 200, body: page([bareRecord({ id: req.query.id, createdAt: CREATED })]) }));
    const [task] = await provider().getTasks([ref("u-1")]);
    expect(task).toMatchObject({ ref: { taskId: "u-1" } });
    expect(requests.map((r) => r.query.id)).toEqual(["u-1"]);
  });

  it("answers null without listing when the id is unknown and no creation time is known", async () => {
    answer(strictBaidu);
    const [task] = await provider().getTasks([ref("u-2", null)]);
    expect(task).toBeNull();
    expect(requests.map((r) => r.query)).toEqual([{ site: "test.com", id: "u-2" }]);
  });

  it("refuses a submission id as a task id, on that key alone, naming taskId", async () => {
    answer(strictBaidu);
    const results = await provider().getTasks([ref("s-1", null), ref("u-1")]);
    expect(results[0]).toBeInstanceOf(BadUserInputError);
    expect(results[0]).toMatchObject({ code: "BAD_USER_INPUT", extensions: { argumentName: "taskId" } });
    expect((results[0] as Error).message).toMatch(
      /^"s-1" is a Baidu prefetch submission with 2 URL records;/,
    );
    expect(results[1]).toMatchObject({ ref: { taskId: "u-1" } });
  });

  it("reports a truncated listing without a marker as UPSTREAM_BAD_RESPONSE for that key", async () => {
    answer((req) =>
      req.query.id !== undefined
        ? { status: 200, body: page([]) }
        : { status: 200, body: page([], { isTruncated: true }) },
    );
    const [result] = await provider().getTasks([ref("u-1")]);
    expect(result).toBeInstanceOf(UpstreamError);
    expect((result as AppError).code).toBe("UPSTREAM_BAD_RESPONSE");
  });
});

describe("Baidu GEO client: the doc's own page", () => {
  it("lists the documented failed record", async () => {
    answer(() => ({ status: 200, body: DOC_EXAMPLE_SINGLE_PAGE }));
    const { tasks, nextPageToken } = await provider().listPage({ site: "test.com", window }, null);
    expect(tasks.map((t) => [t.status, t.failureReason, t.finishedAt])).toEqual([
      ["FAILED", "Other Error", null],
    ]);
    expect(nextPageToken).toBeNull();
  });
});
