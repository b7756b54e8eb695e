import { startWangsuCdnProSandbox, type WangsuCdnProSandbox } from "../../../../src/sandbox/wangsu-cdn-pro";
import { NOW, USER, call, listPath, wholeSpan, type ListBody } from "./sandbox-client";

let sandbox: WangsuCdnProSandbox;
let ids: string[];

beforeAll(async () => {
  sandbox = await startWangsuCdnProSandbox({ credentials: [USER], now: () => NOW });
  ids = sandbox.taskIds(wholeSpan(sandbox));
});

afterAll(async () => {
  await sandbox.close();
});

function idWithKey(key: "metadata" | "metaData"): string {
  const id = ids.find((candidate) => Object.hasOwn(sandbox.detail(candidate) as object, key));
  if (id === undefined) throw new Error(`no seeded task uses ${key}`);
  return id;
}

describe("GET /cdn/prefetches/{id} on the Wangsu CDN Pro emulator", () => {
  it("serves the detail body that detail() reports", async () => {
    const id = ids[3]!;
    const res = await call(sandbox, `/cdn/prefetches/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.json()).toEqual(sandbox.detail(id));
  });

  it("spells the status object metadata for some tasks, as the field table does", async () => {
    const id = idWithKey("metadata");
    const body = (await call(sandbox, `/cdn/prefetches/${id}`)).json();
    expect(body).toMatchObject({ metadata: { id } });
    expect(body).not.toHaveProperty("metaData");
  });

  it("spells it metaData for other tasks, as the document's example does", async () => {
    const id = idWithKey("metaData");
    const body = (await call(sandbox, `/cdn/prefetches/${id}`)).json();
    expect(body).toMatchObject({ metaData: { id } });
    expect(body).not.toHaveProperty("metadata");
  });

  it("serves the documented detail fields", async () => {
    const body = (await call(sandbox, `/cdn/prefetches/${ids[0]!}`)).json();
    expect(body).toMatchObject({
      fileList: expect.arrayContaining([
        expect.objectContaining({ url: expect.stringMatching(/^https?:\/\//) }),
      ]),
      regions: expect.any(Array),
    });
    const metadata = (body.metadata ?? body.metaData) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      id: ids[0],
      submissionTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      status: expect.stringMatching(/^(waiting|inprogress|finished)$/),
      apiRequestId: expect.any(String),
    });
  });

  it("agrees with the task's list row", async () => {
    const list = (await call(sandbox, listPath(wholeSpan(sandbox), { limit: 5 }))).json<ListBody>();
    const row = list.prefetchRequests[4]!;
    const body = (await call(sandbox, `/cdn/prefetches/${row.id}`)).json();
    const metadata = (body.metadata ?? body.metaData) as Record<string, unknown>;
    expect(metadata).toMatchObject({ status: row.status, submissionTime: row.submissionTime });
    expect((body.fileList as unknown[]).length).toBe(row.fileEntries);
  });

  it("answers an unknown id with 404 InvalidPrefetchTaskId", async () => {
    const res = await call(sandbox, "/cdn/prefetches/000000000000000000000000");
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({
      code: "InvalidPrefetchTaskId",
      message: "The specified prefetch task ID does not exist.",
    });
  });

  it("answers a badly percent-encoded id with 404 InvalidPrefetchTaskId", async () => {
    const res = await call(sandbox, "/cdn/prefetches/%E0%A4%A");
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ code: "InvalidPrefetchTaskId" });
  });

  it("reports undefined from detail() for an unknown id", () => {
    expect(sandbox.detail("000000000000000000000000")).toBeUndefined();
  });

  it("hands out copies from detail(), so a test cannot change what is served", async () => {
    const id = ids[0]!;
    (sandbox.detail(id) as { fileList: unknown[] }).fileList.length = 0;
    expect((await call(sandbox, `/cdn/prefetches/${id}`)).json()).toEqual(sandbox.detail(id));
    expect((sandbox.detail(id) as { fileList: unknown[] }).fileList.length).toBeGreaterThan(0);
  });
});
