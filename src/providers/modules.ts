import type { ProviderKind } from "../domain/provider-kind";
import { baiduGeoModule } from "./baidu-geo";
import type { ProviderModule } from "./provider";
import { wangsuCdnProModule } from "./wangsu-cdn-pro";

/**
 * Every provider prefetch-graph speaks to, by kind. Adding one: its folder, and one line here; a ProviderKind
 * without its module does not compile.
 */
const MODULES: Record<ProviderKind, ProviderModule> = {
  BAIDU_GEO: baiduGeoModule,
  WANGSU_CDN_PRO: wangsuCdnProModule,
};

export const PROVIDER_MODULES: readonly ProviderModule[] = Object.values(MODULES);

export function providerModule(kind: ProviderKind): ProviderModule {
  return MODULES[kind];
}
