export { WangsuCdnProCredentials } from "./credentials";
export { WangsuCdnProClient } from "./client";
export { WANGSU_CDN_PRO_CAPABILITIES, WangsuCdnProProvider, wangsuCdnProModule } from "./module";
