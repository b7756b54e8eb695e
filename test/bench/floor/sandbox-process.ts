import { startSandbox } from "../../../src/sandbox";
import type { CallsAnswer, CallsRequest, SandboxReady } from "./protocol";

/**
 * The provider emulators of the floor bench, in a process of their own (forked by the bench with an IPC
 * channel): their work per request (verifying a signature, writing 100 records) must show in neither the
 * service's CPU figures nor the load generator's. Sends its accounts once listening; answers the emulators'
 * call counters on request, so the bench can show that every measured operation made its upstream call.
 */
async function main(): Promise<void> {
  // The Wangsu emulator's own limit is lifted, as in the rest of the bench: the figures are about our work.
  // Tasks as seeded for the whole run: the floor serves a copy of them captured at the start.
  const sandbox = await startSandbox({
    wangsuRateLimit: { points: 1_000_000, durationSeconds: 1 },
    live: false,
  });
  const ready: SandboxReady = {
    sandbox: "ready",
    accounts: sandbox.accounts.map(({ name, provider, endpoint, credentials }) => ({
      name,
      provider,
      endpoint,
      credentials,
    })),
    baiduAnchor: sandbox.baiduGeo.anchor.toISOString(),
  };
  process.on("message", (message: Partial<CallsRequest>) => {
    if (message.sandbox !== "calls" || typeof message.id !== "number") return;
    const answer: CallsAnswer = {
      sandbox: "calls",
      id: message.id,
      baiduList: sandbox.baiduGeo.calls("list"),
      baiduById: sandbox.baiduGeo.calls("byId"),
      wangsu: sandbox.wangsuCdnPro.calls(),
    };
    process.send!(answer);
  });
  // The bench gone (finished or crashed): nothing is left to serve.
  process.on("disconnect", () => void sandbox.close().finally(() => process.exit(0)));
  process.send!(ready);
}

main().catch((err: unknown) => {
  process.stderr.write(`sandbox process failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
