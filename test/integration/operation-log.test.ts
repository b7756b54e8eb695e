import { PrefetchTasksPageDocument } from "../__generated__/graphql";
import { captureLogs } from "../support/log-capture";
import { startTestServer, type TestServer } from "../support/harness";

describe("the operation log", () => {
  const { logger, lines } = captureLogs("info");
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ logger });
  });
  afterAll(() => server.close());

  it("writes one line per operation with its name, time, upstream calls, error codes and request id", async () => {
    await server.gql(PrefetchTasksPageDocument, { provider: "BAIDU_GEO", site: "www.example.com", first: 2 });
    await server.gql(PrefetchTasksPageDocument, { provider: "BAIDU_GEO", first: 2 });
    const ops = lines.filter((l) => l.msg === "operation");
    expect(ops).toHaveLength(2);
    expect(ops[0]).toMatchObject({
      operationName: "PrefetchTasksPage",
      upstreamCalls: 1,
      errorCodes: [],
      requestId: expect.any(String),
    });
    expect(ops[0]!.ms).toEqual(expect.any(Number));
    expect(ops[1]).toMatchObject({ upstreamCalls: 0, errorCodes: ["BAD_USER_INPUT"] });
    expect(JSON.stringify(lines)).not.toMatch(/authorization|secretAccessKey|apiKey/i);
  });

  it("counts the upstream calls the operation really sent", async () => {
    const anchor = server.sandbox.baiduGeo.anchor;
    server.sandbox.baiduGeo.resetCalls();
    lines.length = 0;
    await server.gql(PrefetchTasksPageDocument, {
      provider: "BAIDU_GEO",
      site: "www.example.com",
      startTime: new Date(anchor.getTime() - 45 * 86_400_000).toISOString(),
      endTime: anchor.toISOString(),
      first: 250,
    });
    const [op] = lines.filter((l) => l.msg === "operation");
    expect(server.sandbox.baiduGeo.calls()).toBeGreaterThan(2);
    expect(op).toMatchObject({ upstreamCalls: server.sandbox.baiduGeo.calls() });
  });
});
