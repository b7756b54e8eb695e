export {
  startWangsuCdnProSandbox,
  type WangsuCdnProCredentials,
  type WangsuCdnProFault,
  type WangsuCdnProSandbox,
  type WangsuCdnProSandboxOptions,
} from "./emulator";
