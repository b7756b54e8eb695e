/** The CDN providers prefetch-graph speaks to. Values are the GraphQL enum values. */
export const ProviderKind = {
  BAIDU_GEO: "BAIDU_GEO",
  WANGSU_CDN_PRO: "WANGSU_CDN_PRO",
} as const;
export type ProviderKind = (typeof ProviderKind)[keyof typeof ProviderKind];

export const PROVIDER_KINDS: readonly ProviderKind[] = Object.values(ProviderKind);

export function isProviderKind(value: unknown): value is ProviderKind {
  return typeof value === "string" && (PROVIDER_KINDS as readonly string[]).includes(value);
}

/** Names for messages people read; extensions carry the enum value. */
export const PROVIDER_DISPLAY_NAMES: Readonly<Record<ProviderKind, string>> = {
  BAIDU_GEO: "Baidu GEO",
  WANGSU_CDN_PRO: "Wangsu CDN Pro",
};

export function providerDisplayName(provider: string): string {
  return isProviderKind(provider) ? PROVIDER_DISPLAY_NAMES[provider] : provider;
}
