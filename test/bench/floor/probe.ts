import { GCProfiler, getHeapStatistics } from "node:v8";
import type { ProbeRequest, ProbeSample } from "./protocol";

/**
 * Preloaded (`node --require probe.js`) into each child of the floor bench, the service and bare Apollo alike
 * (and the sandbox), so that CPU and memory are read inside the process that spent them rather than guessed
 * from outside. It answers a ProbeRequest on the IPC channel of a process started with child_process.fork; it
 * does nothing else, and imports nothing but Node itself, so both servers carry the same small extra.
 *
 * Bytes allocated: Node 20 exposes no allocation counter, so they are reconstructed from the JavaScript heap's
 * used size, which only grows between collections. v8.GCProfiler records it before and after every GC, hence
 *
 *   allocated = Σ over GCs (used before GC i − used after GC i−1) + (used now − used after the last GC)
 *
 * with "GC 0" being the used size when counting began. The profiler keeps its records in a native buffer
 * (about 1.5 KB per GC) until stopped, which under load would show in RSS; so it is drained once a second and
 * on every ProbeRequest, each drain being a segment of the sum read from its own start. What the drain itself
 * allocates (the records, parsed) falls between two segments and is left out. JavaScript heap only: the
 * backing stores of Buffers (external memory) are not counted. (A collection started in the instant between
 * reading `end` and stopping the profiler would inflate one segment; it takes an allocation in that instant.)
 * Checked against a loop allocating two million 56-byte objects: 112.6 MB counted for 112 MB allocated.
 */

const DRAIN_MS = 1_000;

let allocated = 0;
let gcCount = 0;
let gcMicros = 0;
let profiler = new GCProfiler();
let previous = usedHeap();
profiler.start();

function usedHeap(): number {
  return getHeapStatistics().used_heap_size;
}

/** Closes the running segment, adds it to the totals, and opens the next one. */
function drain(): void {
  const end = usedHeap();
  const { version, statistics } = profiler.stop();
  profiler = new GCProfiler();
  profiler.start();
  for (const gc of statistics) {
    allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - previous);
    previous = gc.afterGC.heapStatistics.usedHeapSize;
    // Version 1 (Node 20) reports the pause in microseconds, later versions in milliseconds.
    gcMicros += version === 1 ? gc.cost : gc.cost * 1000;
  }
  gcCount += statistics.length;
  allocated += Math.max(0, end - previous);
  previous = usedHeap();
}

setInterval(drain, DRAIN_MS).unref();

function sample(id: number): ProbeSample {
  drain();
  const cpu = process.cpuUsage();
  return {
    probe: "sample",
    id,
    cpuUserMicros: cpu.user,
    cpuSystemMicros: cpu.system,
    rssBytes: process.memoryUsage().rss,
    // Kilobytes on Linux (getrusage's ru_maxrss).
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    allocatedBytes: allocated,
    gcCount,
    gcMillis: gcMicros / 1000,
  };
}

if (process.send) {
  process.on("message", (message: Partial<ProbeRequest>) => {
    if (message.probe === "sample" && typeof message.id === "number") process.send!(sample(message.id));
  });
  // The probe must not be what keeps a server alive; and a server whose bench is gone stops as if told to.
  process.channel?.unref();
  process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
}
