import { requestsPerSecond, type Round } from "./load";

/**
 * The floor bench's figures, with the targets of issue 8 beside them. Sizes are in MB of 10^6 bytes, as the
 * issue writes them, so that "< 160 MB" is read as written.
 */

export interface Side {
  readonly rounds: readonly Round[];
  /** RSS a second after start-up, before any request. */
  readonly restRssBytes: number;
  /** maxRSS after its load rounds: the peak since the process started. */
  readonly peakRssBytes: number;
}

export interface Soak {
  readonly round: Round;
  readonly startRssBytes: number;
  readonly endRssBytes: number;
  readonly peakRssBytes: number;
}

const TARGETS = { requestsRatio: 0.6, cpuRatio: 1.7, peakRssMb: 160, soakDriftPercent: 5 };

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 0)} MB`;
const ms = (micros: number): string => `${(micros / 1000).toFixed(2)} ms`;
const verdict = (met: boolean): string => (met ? "met" : "not met");

/** Per-request figures over a side's rounds: sums over sums, except req/s, the mean of the rounds' rates. */
function perRequest(rounds: readonly Round[]) {
  const sum = (f: (r: Round) => number): number => rounds.reduce((n, r) => n + f(r), 0);
  const requests = sum((r) => r.requests);
  return {
    reqPerSec: sum(requestsPerSecond) / rounds.length,
    cpuMicros: sum((r) => r.cpuMicros) / requests,
    allocatedBytes: sum((r) => r.allocatedBytes) / requests,
    gcShare: sum((r) => r.gcMillis) / (sum((r) => r.cpuMicros) / 1000),
    upstreamCalls: sum((r) => r.upstreamCalls) / requests,
    sandboxCpuMicros: sum((r) => r.sandboxCpuMicros) / requests,
    loadGeneratorCpuMicros: sum((r) => r.loadGeneratorCpuMicros) / requests,
    failures: sum((r) => r.failures),
  };
}

export function roundLine(label: string, name: string, round: Round): string {
  const calls = round.upstreamCalls > 0 ? `; ${round.upstreamDetail}` : "";
  return [
    `  ${label.padEnd(7)}  ${name.padEnd(11)}`,
    `${requestsPerSecond(round).toFixed(1).padStart(7)} req/s`,
    `${ms(round.cpuMicros / round.requests).padStart(8)} CPU/req`,
    `${mb(round.allocatedBytes / round.requests).padStart(8)} alloc/req`,
    `(${round.requests} requests in ${round.seconds.toFixed(1)} s${calls})`,
  ].join("  ");
}

export function formatSummary(service: Side, bare: Side, soak: Soak): string[] {
  const s = perRequest(service.rounds);
  const b = perRequest(bare.rounds);
  const requestsRatio = s.reqPerSec / b.reqPerSec;
  const cpuRatio = s.cpuMicros / b.cpuMicros;
  const drift = ((soak.endRssBytes - soak.startRssBytes) / soak.startRssBytes) * 100;
  const row = (label: string, a: string, c: string, ratio = "", target = ""): string =>
    `  ${label.padEnd(32)} ${a.padStart(9)} ${c.padStart(12)} ${ratio.padStart(13)}   ${target}`.trimEnd();
  return [
    row("", "service", "bare Apollo", "service/bare", "target (issue 8)"),
    row(
      "req/s (mean of rounds)",
      s.reqPerSec.toFixed(1),
      b.reqPerSec.toFixed(1),
      requestsRatio.toFixed(2),
      `ratio >= ${TARGETS.requestsRatio}: ${verdict(requestsRatio >= TARGETS.requestsRatio)}`,
    ),
    row(
      "CPU per request",
      ms(s.cpuMicros),
      ms(b.cpuMicros),
      `${cpuRatio.toFixed(2)}x`,
      `<= ${TARGETS.cpuRatio}x bare: ${verdict(cpuRatio <= TARGETS.cpuRatio)}`,
    ),
    row(
      "JS heap allocated per request",
      mb(s.allocatedBytes),
      mb(b.allocatedBytes),
      `${(s.allocatedBytes / b.allocatedBytes).toFixed(2)}x`,
    ),
    row("GC pauses, share of CPU", `${(s.gcShare * 100).toFixed(1)} %`, `${(b.gcShare * 100).toFixed(1)} %`),
    row(
      "peak RSS under load",
      mb(service.peakRssBytes),
      mb(bare.peakRssBytes),
      "",
      `service < ${TARGETS.peakRssMb} MB: ${verdict(service.peakRssBytes / 1e6 < TARGETS.peakRssMb)}`,
    ),
    row(
      "RSS at rest, after start-up",
      mb(service.restRssBytes),
      mb(bare.restRssBytes),
      "",
      "(issue: bare 82 MB)",
    ),
    row("non-2xx + errors + bad bodies", String(s.failures), String(b.failures), "", "must be 0"),
    row(
      "upstream calls per request",
      s.upstreamCalls.toFixed(2),
      b.upstreamCalls.toFixed(2),
      "",
      "service: 1.00",
    ),
    row("sandbox emulator CPU per request", ms(s.sandboxCpuMicros), ms(b.sandboxCpuMicros)),
    row("load generator CPU per request", ms(s.loadGeneratorCpuMicros), ms(b.loadGeneratorCpuMicros)),
    `  soak, service: ${soak.round.requests} requests at ${requestsPerSecond(soak.round).toFixed(1)} req/s, ${(
      soak.round.upstreamCalls / soak.round.requests
    ).toFixed(2)} upstream calls/req; RSS ${mb(soak.startRssBytes)} -> ${mb(soak.endRssBytes)} (${
      drift >= 0 ? "+" : ""
    }${drift.toFixed(1)} %), peak ${mb(soak.peakRssBytes)}; target flat within ±${TARGETS.soakDriftPercent} %: ${verdict(
      Math.abs(drift) <= TARGETS.soakDriftPercent,
    )}`,
  ];
}
