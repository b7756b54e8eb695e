import { IsNotEmpty, IsString } from "class-validator";

/**
 * A Baidu AI Cloud access key pair (IAM console → Access Key). Only auth.ts reads the secret; the logger redacts
 * `*.secret*` paths should this object ever reach a log line.
 */
export class BaiduGeoCredentials {
  @IsString()
  @IsNotEmpty()
  accessKeyId!: string;

  @IsString()
  @IsNotEmpty()
  secretAccessKey!: string;
}
