import type { ProviderKind } from "../domain/provider-kind";
import { baiduGeoModule } from "./baidu-geo";
import type { ProviderModule } from "./provider";
import { wangsuCdnProModule } from "./wangsu-cdn-pro";

/** Every provider prefetch-graph speaks to. Adding one: its folder, and one line here. */
export const PROVIDER_MODULES: readonly ProviderModule[] = [baiduGeoModule, wangsuCdnProModule];

export function providerModule(kind: ProviderKind): ProviderModule {
  const found = PROVIDER_MODULES.find((m) => m.kind === kind);
  if (!found) throw new Error(`no provider module for ${kind}`);
  return found;
}
