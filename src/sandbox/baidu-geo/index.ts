export {
  type BaiduGeoCredentials,
  type BaiduGeoFault,
  type BaiduGeoIdLookup,
  type BaiduGeoSandbox,
  type BaiduGeoSandboxOptions,
  PAGE_SIZE,
  PREFETCH_PATH,
  startBaiduGeoSandbox,
} from "./emulator";
