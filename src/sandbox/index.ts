import { randomBytes } from "node:crypto";
import type { ProviderKind } from "../domain/provider-kind";
import {
  startBaiduGeoSandbox,
  type BaiduGeoIdLookup,
  type BaiduGeoListOrder,
  type BaiduGeoSandbox,
  type BaiduGeoTaskSchedule,
} from "./baidu-geo";
import {
  startWangsuCdnProSandbox,
  type WangsuCdnProSandbox,
  type WangsuCdnProTaskSchedule,
} from "./wangsu-cdn-pro";

export type {
  BaiduGeoIdLookup,
  BaiduGeoListOrder,
  BaiduGeoSandbox,
  BaiduGeoTaskSchedule,
  WangsuCdnProSandbox,
  WangsuCdnProTaskSchedule,
};

/** An account served by a sandbox emulator, in the shape the registry takes. */
export interface SandboxAccount {
  readonly name: string;
  readonly provider: ProviderKind;
  readonly endpoint: string;
  readonly credentials: object;
  readonly sandbox: true;
  readonly rateLimit?: { readonly points: number; readonly durationSeconds: number };
}

export interface Sandbox {
  readonly baiduGeo: BaiduGeoSandbox;
  readonly wangsuCdnPro: WangsuCdnProSandbox;
  /** One "sandbox" account per provider, with credentials made up for this process. */
  readonly accounts: readonly SandboxAccount[];
  close(): Promise<void>;
}

export interface SandboxOptions {
  readonly host?: string;
  /**
   * Both emulators' clock (default real time): signatures, default windows, the data anchor (its minute) and
   * the progress of the tasks unfinished there, which move from 3 minutes after the anchor and are all
   * terminal within 13 (see live-progress.ts and each emulator's schedule()).
   */
  readonly now?: () => Date;
  readonly seed?: number;
  /** Whether unfinished tasks move with the clock (default true); false keeps them as seeded (benchmarks). */
  readonly live?: boolean;
  /** The Wangsu emulator's own 429 limit; defaults to the documented 300 per 5 minutes. */
  readonly wangsuRateLimit?: { points: number; durationSeconds: number };
  /** The Wangsu emulator's file lists change between detail answers (see WangsuCdnProSandboxOptions). */
  readonly wangsuFileListsChange?: boolean;
  readonly accountName?: string;
  /**
   * What the Baidu emulator's `id` query matches: "task" only submission ids (as documented), "task-or-url"
   * (the default) per-URL record ids too, which is UNCONFIRMED for the real API.
   */
  readonly baiduIdLookup?: BaiduGeoIdLookup;
  /**
   * The Baidu emulator's window listing order, which Baidu does not document: "asc" (the default) oldest
   * first, "desc" newest first (exactly the reverse). UNCONFIRMED which one the real API uses.
   */
  readonly baiduListOrder?: BaiduGeoListOrder;
}

/**
 * Starts every provider emulator on an ephemeral loopback port. Credentials are random per process: the
 * emulators verify signatures for real, so the server's clients must sign correctly even in the sandbox.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const secret = (): string => randomBytes(18).toString("base64url");
  const name = options.accountName ?? "sandbox";
  const common = {
    ...(options.host ? { host: options.host } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.live !== undefined ? { live: options.live } : {}),
  };
  const baiduCredentials = { accessKeyId: `sandbox-${secret()}`, secretAccessKey: secret() };
  const wangsuCredentials = { username: `sandbox-${secret()}`, apiKey: secret() };
  const baiduGeo = await startBaiduGeoSandbox({
    ...common,
    credentials: [baiduCredentials],
    ...(options.baiduIdLookup ? { idLookup: options.baiduIdLookup } : {}),
    ...(options.baiduListOrder ? { listOrder: options.baiduListOrder } : {}),
  });
  const wangsuCdnPro = await startWangsuCdnProSandbox({
    ...common,
    credentials: [wangsuCredentials],
    ...(options.wangsuRateLimit ? { rateLimit: options.wangsuRateLimit } : {}),
    ...(options.wangsuFileListsChange ? { fileListsChange: true } : {}),
  });
  // One emulator per ProviderKind: a provider added without its sandbox does not compile.
  const served: Record<ProviderKind, Omit<SandboxAccount, "name" | "provider" | "sandbox">> = {
    BAIDU_GEO: { endpoint: baiduGeo.url, credentials: baiduCredentials },
    WANGSU_CDN_PRO: {
      endpoint: wangsuCdnPro.url,
      credentials: wangsuCredentials,
      // The client's budget matches the emulator's limit, as it would the real provider's.
      ...(options.wangsuRateLimit ? { rateLimit: options.wangsuRateLimit } : {}),
    },
  };
  return {
    baiduGeo,
    wangsuCdnPro,
    accounts: (Object.entries(served) as [ProviderKind, (typeof served)[ProviderKind]][]).map(
      ([provider, account]) => ({ name, provider, sandbox: true as const, ...account }),
    ),
    async close() {
      await Promise.all([baiduGeo.close(), wangsuCdnPro.close()]);
    },
  };
}
