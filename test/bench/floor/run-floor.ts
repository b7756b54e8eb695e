import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { daysBefore, postGraphQL } from "../../support/harness";
import { CONNECTIONS, loadRound, requestsPerSecond, type Round } from "./load";
import { assertSamePage, PAGE_QUERY, pageOf, statusCounts, type Page, type PageResponse } from "./operation";
import {
  ROOT,
  startBareApollo,
  startSandboxProcess,
  startService,
  type Child,
  type SandboxChild,
  type ServerChild,
} from "./processes";
import { formatSummary, roundLine, type Side, type Soak } from "./report";

/**
 * The floor (issue 8): the service on the sandbox against bare Apollo Server 5 serving the same 100 tasks from
 * memory, same SDL, same operation, one process against one process, each with the same probe preloaded. Both
 * answers are checked equal first; then load rounds alternate A B A B, so that whatever else the machine does
 * meanwhile falls on both sides alike; then a soak of the service alone shows whether its memory stays flat.
 *
 * BENCH_FLOOR_SECONDS: length of a round (default 8); BENCH_SOAK_REQUESTS: size of the soak (default 100,000);
 * BENCH_FLOOR_APOLLO_DEFAULTS=1: the floor keeps Apollo's cache-control plugin (see bare-apollo.ts).
 * Throws on a broken run (differing answers, a short page, any non-2xx, error or bad body under load, a
 * service round whose requests did not make one upstream call each); missed targets are reported, not failed:
 * this is a measurement.
 */

const ROUNDS = 4; // A B A B
const REST_MS = 1_000;
const SOAK_WARM_UP = 3_000;

function positiveIntEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

async function page(server: ServerChild, request: object, name: string): Promise<Page> {
  const res = await postGraphQL<NonNullable<PageResponse["data"]>>(server.url, request);
  if (res.status !== 200) {
    throw new Error(`${name} answered HTTP ${res.status}: ${JSON.stringify(res).slice(0, 500)}`);
  }
  return pageOf(res, name);
}

interface Contender {
  readonly name: string;
  readonly server: ServerChild;
}

export async function runFloorBench(): Promise<void> {
  const seconds = positiveIntEnv("BENCH_FLOOR_SECONDS", 8);
  const soakRequests = positiveIntEnv("BENCH_SOAK_REQUESTS", 100_000);
  const floorKind =
    process.env.BENCH_FLOOR_APOLLO_DEFAULTS === "1"
      ? "Apollo's defaults"
      : "Apollo's defaults but the cache-control plugin, off in both";
  console.log(
    `floor: the service vs bare Apollo Server 5 (${floorKind}) on a 100-task Baidu page (${CONNECTIONS} connections; ${ROUNDS} rounds of ~${seconds} s, A B A B, after a warm-up each; MB = 10^6 bytes)`,
  );
  const tempDir = mkdtempSync(join(tmpdir(), "prefetch-graph-floor-"));
  const children: Child[] = [];
  try {
    const sandbox = await startSandboxProcess();
    children.push(sandbox);
    const service = await startService(sandbox.accounts, tempDir);
    children.push(service);

    // A fixed window of finished tasks, 1 to 21 days before the sandbox's anchor: over 100 of them, so one full
    // provider page; under 30 days, so no window split; finished, so their durations do not move.
    const anchor = sandbox.baiduAnchor;
    const variables = {
      startTime: daysBefore(anchor, 21).toISOString(),
      endTime: daysBefore(anchor, 1).toISOString(),
    };
    const request = { query: PAGE_QUERY, variables };

    await sleep(REST_MS);
    const serviceRest = await service.probe();
    // Bare Apollo serves what the service answered; both are then asked again and must agree.
    const servicePage = await page(service, request, "the service");
    const pageFile = join(tempDir, "page.json");
    writeFileSync(pageFile, JSON.stringify(servicePage));
    const bare = await startBareApollo(pageFile, [
      join(ROOT, "schema", "prefetch-graph.graphql"),
      join(ROOT, "test", "support", "federation-directives.graphql"),
    ]);
    children.push(bare);
    await sleep(REST_MS);
    const bareRest = await bare.probe();
    assertSamePage(await page(service, request, "the service"), await page(bare, request, "bare Apollo"));
    console.log(
      `  window ${variables.startTime} .. ${variables.endTime}: ${statusCounts(servicePage)}; both servers answer the same tasks and values`,
    );
    const logLinesAtStart = service.lineCount();

    const body = JSON.stringify(request);
    const [serviceRounds, bareRounds] = await alternate(
      { name: "service", server: service },
      { name: "bare Apollo", server: bare },
      sandbox,
      body,
      seconds,
    );
    oneCallEach(serviceRounds);
    const side = async (server: ServerChild, restRssBytes: number, rounds: Round[]): Promise<Side> => ({
      rounds,
      restRssBytes,
      peakRssBytes: (await server.probe()).maxRssBytes,
    });
    const serviceSide = await side(service, serviceRest.rssBytes, serviceRounds);
    const bareSide = await side(bare, bareRest.rssBytes, bareRounds);

    // Bare Apollo is done: the soak has the machine to the service alone.
    await bare.stop();
    const soak = await runSoak(service, sandbox, body, soakRequests);
    oneCallEach([soak.round]);

    console.log("");
    for (const line of formatSummary(serviceSide, bareSide, soak)) console.log(line);
    const logLines = service.lineCount() - logLinesAtStart;
    console.log(
      `  service log lines (LOG_LEVEL=warn) under load: ${logLines}${logLines > 0 ? `; the last:\n${service.output()}` : ""}`,
    );
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    rmSync(tempDir, { recursive: true, force: true });
  }
}

/** A broken round fails the run: a figure of failed requests would mean nothing. */
function clean(round: Round, name: string): Round {
  if (round.failures > 0) throw new Error(`${name} failed requests under load: ${round.failureDetail}`);
  return round;
}

/** The premise of the figures: each of the service's requests made its own upstream call, nothing was reused. */
function oneCallEach(rounds: readonly Round[]): void {
  for (const round of rounds) {
    if (round.upstreamCalls !== round.requests) {
      throw new Error(
        `the service made ${round.upstreamCalls} upstream calls for ${round.requests} requests (${round.upstreamDetail}); the floor bench measures one call per request, not a cache`,
      );
    }
  }
}

/**
 * A warm-up round each (JIT, connections, compiled operations), then ROUNDS rounds taking turns, A first. The
 * warm-up also sizes each side's rounds: a measured round is a number of requests, about `seconds` long at the
 * warm-up's rate. Returns the measured rounds of A and of B.
 */
async function alternate(
  a: Contender,
  b: Contender,
  sandbox: SandboxChild,
  body: string,
  seconds: number,
): Promise<[Round[], Round[]]> {
  const sides = [a, b].map((c) => ({ ...c, amount: 0, rounds: [] as Round[] }));
  for (const side of sides) {
    const warm = clean(await loadRound(side.server, sandbox, body, { seconds }), side.name);
    side.amount = Math.max(CONNECTIONS * 20, Math.round(requestsPerSecond(warm) * seconds));
  }
  for (let i = 0; i < ROUNDS; i++) {
    const side = sides[i % 2]!;
    const round = clean(await loadRound(side.server, sandbox, body, { amount: side.amount }), side.name);
    side.rounds.push(round);
    console.log(roundLine(`round ${i + 1}`, side.name, round));
  }
  return [sides[0]!.rounds, sides[1]!.rounds];
}

/** `requests` to the service after a warm-up; RSS read at its start and its end. */
async function runSoak(
  service: ServerChild,
  sandbox: SandboxChild,
  body: string,
  requests: number,
): Promise<Soak> {
  clean(await loadRound(service, sandbox, body, { amount: SOAK_WARM_UP }), "the service (soak warm-up)");
  const start = await service.probe();
  const round = clean(await loadRound(service, sandbox, body, { amount: requests }), "the service (soak)");
  const end = await service.probe();
  console.log(roundLine("soak", "service", round));
  return { round, startRssBytes: start.rssBytes, endRssBytes: end.rssBytes, peakRssBytes: end.maxRssBytes };
}
