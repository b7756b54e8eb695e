import { registerEnumType } from "type-graphql";
import { DurationUnit } from "../domain/duration";
import { PrefetchStatus } from "../domain/prefetch-status";
import { ProviderKind } from "../domain/provider-kind";

registerEnumType(ProviderKind, {
  name: "ProviderKind",
  valuesConfig: {
    BAIDU_GEO: { description: "Baidu AI Cloud GEO (geo.baidubce.com, GET /v2/geo/cache/prefetch)." },
    WANGSU_CDN_PRO: {
      description: "Wangsu / ChinaNetCenter CDN Pro (open.chinanetcenter.com, GET /cdn/prefetches/{id}).",
    },
  },
});

registerEnumType(PrefetchStatus, {
  name: "PrefetchStatus",
  description: "Unified status. Provider values map onto it; the raw value stays in providerStatus.",
  valuesConfig: {
    WAITING: { description: "Accepted, not started yet." },
    IN_PROGRESS: { description: "Being prefetched." },
    COMPLETED: { description: "Finished and every URL was prefetched." },
    PARTIALLY_COMPLETED: { description: "Finished, some URLs prefetched and some not." },
    FAILED: { description: "Finished and nothing was prefetched." },
  },
});

registerEnumType(DurationUnit, {
  name: "DurationUnit",
  description: "The unit a duration is expressed in.",
});

export { DurationUnit, PrefetchStatus, ProviderKind };
