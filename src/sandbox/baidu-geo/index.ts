export {
  type BaiduGeoCredentials,
  type BaiduGeoFault,
  type BaiduGeoIdLookup,
  type BaiduGeoListOrder,
  type BaiduGeoSandbox,
  type BaiduGeoSandboxOptions,
  type BaiduGeoTaskSchedule,
  PAGE_SIZE,
  PREFETCH_PATH,
  startBaiduGeoSandbox,
} from "./emulator";
