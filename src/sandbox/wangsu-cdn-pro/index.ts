export {
  startWangsuCdnProSandbox,
  type WangsuCdnProCredentials,
  type WangsuCdnProFault,
  type WangsuCdnProSandbox,
  type WangsuCdnProSandboxOptions,
  type WangsuCdnProTaskSchedule,
} from "./emulator";
