import { registerEnumType } from "type-graphql";
import { DurationUnit } from "../domain/duration";
import { PrefetchStatus } from "../domain/prefetch-status";
import { ProviderKind } from "../domain/provider-kind";

registerEnumType(ProviderKind, {
  name: "ProviderKind",
  description: "A CDN provider whose prefetch tasks this service reads.",
  valuesConfig: {
    BAIDU_GEO: {
      description:
        "Baidu AI Cloud GEO (geo.baidubce.com, GET /v2/geo/cache/prefetch). Lists and lookups need a site. A task is one URL record of a submission. name is always null and successRate follows from the status; the other fields are Baidu's where it sends them. Never PARTIALLY_COMPLETED. Lists come in Baidu's order, which Baidu does not document: the service learns it per account from the creation times of the rows it lists (newest first is the first guess), rechecks it on every page, and chains a window longer than Baidu's 30 days in that same direction, so a list is one sequence oldest first or newest first, never a mix.",
    },
    WANGSU_CDN_PRO: {
      description:
        "Wangsu / ChinaNetCenter CDN Pro (open.chinanetcenter.com, GET /cdn/prefetches/{id}). A task is one prefetch request of one or more URLs; ids are unique per Wangsu user, so no site is needed. Wangsu reports no actual start time (providerDetails.startTime is the requested one), progress, failure reason or operator, so startedAt, queueDuration, runDuration, progress, failureReason and operator are always null. Lists come newest first.",
    },
  },
});

registerEnumType(PrefetchStatus, {
  name: "PrefetchStatus",
  description: "Unified status. Provider values map onto it; the raw value stays in providerStatus.",
  valuesConfig: {
    WAITING: { description: "Accepted, not started yet. Baidu's and Wangsu's waiting." },
    IN_PROGRESS: { description: "Being prefetched. Baidu's in-progress, Wangsu's inprogress." },
    COMPLETED: {
      description:
        "Finished and every URL was prefetched. Baidu's completed; Wangsu's finished with successRate 100.",
    },
    PARTIALLY_COMPLETED: {
      description:
        "Finished, some URLs prefetched and some not: Wangsu's finished with successRate between 0 and 100. BAIDU_GEO never reports it (a Baidu task is a single URL).",
    },
    FAILED: {
      description:
        "Finished and nothing was prefetched. Baidu's failed; Wangsu's finished with successRate 0.",
    },
  },
});

registerEnumType(DurationUnit, {
  name: "DurationUnit",
  description: "The unit a duration is expressed in.",
  valuesConfig: {
    MILLISECONDS: { description: "Milliseconds." },
    SECONDS: { description: "Seconds." },
    MINUTES: { description: "Minutes." },
    HOURS: { description: "Hours." },
  },
});

export { DurationUnit, PrefetchStatus, ProviderKind };
