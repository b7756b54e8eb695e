import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium; browser tests drive it through playwright-core (no browser download). */
export const CHROMIUM = "/usr/bin/chromium";

/** PREFETCH_GRAPH_SKIP_BROWSER=1 is the only way to leave browser tests out: a missing browser fails, loudly. */
export const SKIP_BROWSER = process.env.PREFETCH_GRAPH_SKIP_BROWSER === "1";

/**
 * Headless Chromium as this machine can run it: no sandbox (root), and none of the background connections a
 * closed network refuses.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: this test drives a real browser. Install it ` +
        "(Debian/Ubuntu: `sudo apt-get install -y chromium`), or set PREFETCH_GRAPH_SKIP_BROWSER=1 to skip it.",
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
    timeout: 30_000,
  });
}
