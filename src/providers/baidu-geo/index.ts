export { BaiduGeoCredentials } from "./credentials";
export {
  BAIDU_GEO_CAPABILITIES,
  BaiduGeoProvider,
  baiduGeoModule,
  createBaiduGeoProvider,
  type BaiduGeoProviderOptions,
} from "./module";
