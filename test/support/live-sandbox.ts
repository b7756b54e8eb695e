import type { Logger } from "pino";
import { encodeGlobalId } from "../../src/domain/global-id";
import type { BaiduGeoSandbox, SandboxOptions } from "../../src/sandbox";
import { ManualScheduler, OFF_GRID_MS, offGrid } from "./manual-scheduler";
import { waitUntil } from "./redis-server";
import { startTestServer, type TestServer } from "./harness";

const MINUTE = 60_000;
/**
 * Real time one poll may take to be answered and scheduled again, on a loaded CI machine: generous, since only a
 * poll that never comes waits it out (a test's own timeout is 30 s).
 */
const POLL_ANSWER_MS = 20_000;

export interface LiveServer {
  readonly server: TestServer;
  /** The one clock of the test: the emulators', the server's and the task pollers' (with their timers). */
  readonly scheduler: ManualScheduler;
}

/**
 * The real server and sandbox on one manual clock that starts 3 to 4 minutes behind real time (liveStart). The
 * emulators check the server's signatures, dated in real time, against that clock: Baidu's for 5 minutes behind
 * it and 30 minutes ahead, so Baidu tasks can be followed from the start of their progress (the anchor + 3
 * minutes, near real time) to its end (at most the anchor + 13 minutes) without a refused signature. Wangsu
 * tolerates only 5 minutes either way: tests that follow Wangsu tasks start at nearRealStart().
 */
export async function startLiveServer(
  options: {
    env?: Record<string, string>;
    startAt?: number;
    sandbox?: Omit<SandboxOptions, "now">;
    logger?: Logger;
  } = {},
): Promise<LiveServer> {
  const scheduler = new ManualScheduler(options.startAt ?? liveStart());
  const env = options.env ?? {};
  const now = (): Date => new Date(scheduler.now());
  const server = await startTestServer({
    env,
    sandbox: { ...options.sandbox, now },
    clock: now,
    pollScheduler: scheduler,
    ...(options.logger && { logger: options.logger }),
  });
  return { server, scheduler };
}

/**
 * Where the clock of startLiveServer starts: 3 to 4 minutes behind real time (a minute's margin on Baidu's 5),
 * always at the same offset off the poll grids (offGrid), so that no test depends on where the wall clock falls.
 * Two servers started with the same value serve the same schedules (each emulator anchors its data at its start
 * minute) and poll on the same grid.
 */
export function liveStart(): number {
  return offGrid(Date.now() - 3 * MINUTE - OFF_GRID_MS);
}

/**
 * A start for tests that follow Wangsu tasks, whose emulator accepts a signature (dated in real time) for only 5
 * minutes either side of its clock: within the minute of real time, off the poll grids, so that the band holds
 * for minutes of polls and of real time alike.
 */
export function nearRealStart(): number {
  return offGrid(Date.now());
}

/** The global id of a sandbox Baidu record as the API issues it: with the record's creation second. */
export function baiduTaskId(baidu: BaiduGeoSandbox, site: string, recordId: string): string {
  const record = baidu.record(recordId) as { createdAt?: string } | undefined;
  return encodeGlobalId({
    provider: "BAIDU_GEO",
    account: "sandbox",
    site,
    taskId: recordId,
    createdAt: record?.createdAt ? new Date(record.createdAt) : null,
  });
}

/** A Baidu record that is still waiting at the sandbox's anchor, and how it will move. */
export function waitingBaiduRecord(
  baidu: BaiduGeoSandbox,
  siteWanted: (site: string) => boolean = () => true,
): {
  site: string;
  recordId: string;
  schedule: NonNullable<ReturnType<BaiduGeoSandbox["schedule"]>>;
} {
  for (const site of baidu.sites.filter(siteWanted)) {
    for (const recordId of baidu.recordIds(site)) {
      const schedule = baidu.schedule(recordId);
      if (schedule?.startsAt && schedule.status === "completed") return { site, recordId, schedule };
    }
  }
  throw new Error("the sandbox has no Baidu record waiting at its anchor");
}

/**
 * Fires the poll timers one by one, each time waiting (real time, as long as it takes up to POLL_ANSWER_MS) until
 * the polls it started have answered and scheduled their next turn, or `done()`; at most `maxPolls` turns.
 */
export async function drivePolls(
  scheduler: ManualScheduler,
  done: () => boolean,
  options: { pollers?: number; maxPolls?: number } = {},
): Promise<void> {
  const pollers = options.pollers ?? 1;
  for (let turn = 0; turn < (options.maxPolls ?? 500) && !done(); turn++) {
    if (!scheduler.runNext()) return;
    await waitUntil(() => done() || scheduler.timers >= pollers, "the poll to be answered", POLL_ANSWER_MS);
  }
}
