import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";
import { PAGE_SIZE, type PageResponse } from "./operation";
import type { ProbeSample } from "./protocol";
import type { SandboxChild, ServerChild } from "./processes";

/**
 * One load round against one server: autocannon (10 connections, keep-alive, POST JSON) between two samples of
 * the server's own probe, so that CPU and allocation are what the server spent on exactly these requests. The
 * sandbox's call counters and CPU and this process's CPU (the load generator) are read around it too: on a
 * small machine all three share the cores, which the figures should let a reader see.
 */

export const CONNECTIONS = 10;
/** One response in this many is parsed and checked in full; every one is counted by status. */
const CHECK_EVERY = 50;

export interface Round {
  readonly requests: number;
  /** From the first request sent to the last response received. */
  readonly seconds: number;
  readonly cpuMicros: number;
  readonly allocatedBytes: number;
  readonly gcCount: number;
  readonly gcMillis: number;
  /** Calls the provider emulators received during the round, all kinds. */
  readonly upstreamCalls: number;
  readonly upstreamDetail: string;
  readonly sandboxCpuMicros: number;
  readonly loadGeneratorCpuMicros: number;
  /** Status other than 2xx, connection errors and timeouts, and sampled bodies that were not a full page. */
  readonly failures: number;
  readonly failureDetail: string;
}

export function requestsPerSecond(round: Round): number {
  return round.requests / round.seconds;
}

const cpuMicros = (s: ProbeSample | NodeJS.CpuUsage): number =>
  "probe" in s ? s.cpuUserMicros + s.cpuSystemMicros : s.user + s.system;

/** A body check for autocannon: one response in CHECK_EVERY must hold a full page and no errors. */
function sampledBodyCheck(): (body: string | Buffer | undefined) => boolean {
  let seen = 0;
  return (body) => {
    seen += 1;
    if (seen % CHECK_EVERY !== 0) return true;
    try {
      const res = JSON.parse(String(body)) as PageResponse;
      return res.errors === undefined && res.data?.prefetchTasks?.edges.length === PAGE_SIZE;
    } catch {
      return false;
    }
  };
}

function runAutocannon(
  url: string,
  body: string,
  size: { amount: number } | { seconds: number },
): Promise<{ result: autocannon.Result; lastResponseAt: number }> {
  let lastResponseAt = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        verifyBody: sampledBodyCheck(),
        ...("amount" in size ? { amount: size.amount } : { duration: size.seconds }),
      },
      (err, result) => (err ? reject(err as Error) : resolve({ result, lastResponseAt })),
    );
    // autocannon ends an `amount` round at its next one-second tick: the last response marks the real end.
    instance.on("response", () => (lastResponseAt = performance.now()));
  });
}

/**
 * `amount` requests, or as many as fit in `seconds`. Rounds that are measured use `amount`: a round cut off by
 * time leaves requests in flight whose work the server has partly done, which a per-request figure must not
 * count against the requests that finished.
 */
export async function loadRound(
  server: ServerChild,
  sandbox: SandboxChild,
  body: string,
  size: { amount: number } | { seconds: number },
): Promise<Round> {
  const [before, sandboxBefore, callsBefore] = await Promise.all([
    server.probe(),
    sandbox.probe(),
    sandbox.calls(),
  ]);
  const selfBefore = process.cpuUsage();
  const startedAt = performance.now();
  const { result, lastResponseAt } = await runAutocannon(server.url, body, size);
  const self = process.cpuUsage(selfBefore);
  // Requests cut off by time are still being worked on; let them finish before the second sample.
  if (!("amount" in size)) await sleep(250);
  const [after, sandboxAfter, callsAfter] = await Promise.all([
    server.probe(),
    sandbox.probe(),
    sandbox.calls(),
  ]);
  const list = callsAfter.baiduList - callsBefore.baiduList;
  const byId = callsAfter.baiduById - callsBefore.baiduById;
  const wangsu = callsAfter.wangsu - callsBefore.wangsu;
  return {
    requests: result.requests.total,
    seconds: (lastResponseAt - startedAt) / 1000,
    cpuMicros: cpuMicros(after) - cpuMicros(before),
    allocatedBytes: after.allocatedBytes - before.allocatedBytes,
    gcCount: after.gcCount - before.gcCount,
    gcMillis: after.gcMillis - before.gcMillis,
    upstreamCalls: list + byId + wangsu,
    upstreamDetail: `Baidu list ${list}, Baidu by id ${byId}, Wangsu ${wangsu}`,
    sandboxCpuMicros: cpuMicros(sandboxAfter) - cpuMicros(sandboxBefore),
    loadGeneratorCpuMicros: cpuMicros(self),
    failures: result.non2xx + result.errors + result.mismatches,
    failureDetail: `non-2xx ${result.non2xx} (${JSON.stringify(result.statusCodeStats ?? {})}), errors ${
      result.errors
    } (timeouts ${result.timeouts}), bad sampled bodies ${result.mismatches}`,
  };
}
