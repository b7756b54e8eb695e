/**
 * The messages between the floor bench (the parent) and its child processes over their IPC channels. Plain JSON:
 * the channels use Node's default serialisation.
 */

/** Parent → a server's probe: answer with a ProbeSample. */
export interface ProbeRequest {
  readonly probe: "sample";
  readonly id: number;
}

/** A server process's own view of itself, taken by the preloaded probe (probe.ts). */
export interface ProbeSample {
  readonly probe: "sample";
  readonly id: number;
  /** process.cpuUsage(), microseconds since the process started, every thread. */
  readonly cpuUserMicros: number;
  readonly cpuSystemMicros: number;
  /** process.memoryUsage().rss, bytes. */
  readonly rssBytes: number;
  /** process.resourceUsage().maxRSS converted to bytes: the peak since the process started. */
  readonly maxRssBytes: number;
  /** JavaScript heap bytes allocated since the probe loaded (method in probe.ts). */
  readonly allocatedBytes: number;
  /** Garbage collections seen since the probe loaded, and their total pause in milliseconds. */
  readonly gcCount: number;
  readonly gcMillis: number;
}

/** The account as PREFETCH_GRAPH_CONFIG takes it. */
export interface SandboxAccountEntry {
  readonly name: string;
  readonly provider: string;
  readonly endpoint: string;
  readonly credentials: object;
}

/** Sandbox process → parent, once its emulators listen. */
export interface SandboxReady {
  readonly sandbox: "ready";
  readonly accounts: readonly SandboxAccountEntry[];
  /** The Baidu emulator's data anchor (ISO): the seeded records are dated relative to it. */
  readonly baiduAnchor: string;
}

/** Parent → sandbox process: the emulators' call counters since start; the parent takes differences. */
export interface CallsRequest {
  readonly sandbox: "calls";
  readonly id: number;
}

export interface CallsAnswer {
  readonly sandbox: "calls";
  readonly id: number;
  readonly baiduList: number;
  readonly baiduById: number;
  readonly wangsu: number;
}

/** Bare Apollo process → parent, once it listens. */
export interface BareReady {
  readonly bare: "ready";
  readonly url: string;
}
