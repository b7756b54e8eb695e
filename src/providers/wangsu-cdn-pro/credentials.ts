import { IsNotEmpty, IsString } from "class-validator";

/** One Wangsu CDN Pro account's API-key credentials, as found in the portal's API key page. */
export class WangsuCdnProCredentials {
  @IsString()
  @IsNotEmpty()
  username!: string;

  @IsString()
  @IsNotEmpty()
  apiKey!: string;
}
