import { readFileSync } from "node:fs";
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  validateSync,
} from "class-validator";
import type { AccessGrant } from "../access/access";
import { PROVIDER_KINDS, type ProviderKind } from "../domain/provider-kind";
import { validationProblems } from "../errors/validation-problems";
import { HOSTNAME_PATTERN } from "../graphql/validators";
import { ACCOUNT_NAME_PATTERN } from "./account-name";
import type { ApiKeyConfig } from "./config";

const VAR = "PREFETCH_GRAPH_API_KEYS";
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const ACCOUNT_OR_ANY = new RegExp(`^\\*$|${ACCOUNT_NAME_PATTERN.source}`);

class KeyEntry {
  // The caller's identity in logs and fair shares: as short and plain as an account name.
  @IsString()
  @Matches(ACCOUNT_NAME_PATTERN, { message: "name must be 1-63 letters, digits, '.', '_' or '-'" })
  name!: string;
  // Never the value in a message: it may be a key pasted where its hash belongs.
  @IsString({ message: "sha256 must be the hex SHA-256 of the key" })
  @Matches(SHA256_HEX, { message: "sha256 must be 64 hexadecimal characters (the SHA-256 of the key)" })
  sha256!: string;
  @IsArray() @ArrayNotEmpty({ message: "allow must list at least one provider account" }) allow!: unknown[];
  @IsOptional() @IsBoolean() federation?: boolean;
}

class AllowEntry {
  @IsIn([...PROVIDER_KINDS, "*"], {
    message: `provider must be one of ${[...PROVIDER_KINDS, "*"].join(", ")}`,
  })
  provider!: string;
  @IsString()
  @Matches(ACCOUNT_OR_ANY, { message: 'account must be an account name or "*"' })
  account!: string;
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty({ message: 'sites must not be empty; omit it (or use "*") for every site' })
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  sites?: string[];
}

/**
 * The API keys file: {"keys":[{"name","sha256","allow":[{"provider","account","sites"?}],"federation"?}]}.
 * Every problem is pushed to `problems` (one run reports them all); no message carries a hash or a key.
 */
export function loadApiKeysFile(path: string, problems: string[]): ApiKeyConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    problems.push(`${VAR}: the file ${err instanceof SyntaxError ? "is not valid JSON" : "cannot be read"}`);
    return [];
  }
  const entries = typeof parsed === "object" && parsed !== null ? (parsed as { keys?: unknown }).keys : null;
  if (!Array.isArray(entries) || entries.length === 0) {
    problems.push(`${VAR}: the file must be a JSON object with a non-empty "keys" array`);
    return [];
  }
  const keys: ApiKeyConfig[] = [];
  const names = new Map<string, number>();
  const digests = new Map<string, number>();
  entries.forEach((raw: unknown, i) => {
    const where = `${VAR} keys[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      problems.push(`${where} must be an object`);
      return;
    }
    const entry = Object.assign(new KeyEntry(), raw);
    const errors = validateSync(entry, { whitelist: true, forbidNonWhitelisted: true });
    problems.push(...validationProblems(errors).map((p) => `${where}: ${p.message}`));
    // Checked even when the entry has other problems, so that one run reports every one.
    const allow = Array.isArray(entry.allow)
      ? entry.allow.map((g, j) => grant(g, `${where}.allow[${j}]`, problems))
      : [];
    if (typeof entry.name === "string") {
      const first = names.get(entry.name);
      if (first !== undefined)
        problems.push(`${where}: name "${entry.name}" is also the name of keys[${first}]`);
      else names.set(entry.name, i);
    }
    if (typeof entry.sha256 === "string" && SHA256_HEX.test(entry.sha256)) {
      const digest = entry.sha256.toLowerCase();
      const first = digests.get(digest);
      if (first !== undefined) problems.push(`${where}: sha256 is also the sha256 of keys[${first}]`);
      else digests.set(digest, i);
    }
    if (errors.length > 0 || allow.some((g) => g === null)) return;
    keys.push({
      name: entry.name,
      sha256: entry.sha256.toLowerCase(),
      allow: allow as AccessGrant[],
      federation: entry.federation ?? false,
    });
  });
  return keys;
}

function grant(raw: unknown, where: string, problems: string[]): AccessGrant | null {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    problems.push(`${where} must be an object`);
    return null;
  }
  const entry = Object.assign(new AllowEntry(), raw);
  const errors = validateSync(entry, { whitelist: true, forbidNonWhitelisted: true });
  const bad = validationProblems(errors).map((p) => `${where}: ${p.message}`);
  const sites = (entry.sites ?? []).filter((s) => typeof s === "string").map((s) => s.toLowerCase());
  for (const site of sites) {
    const host = site.startsWith("*.") ? site.slice(2) : site;
    if (site !== "*" && !HOSTNAME_PATTERN.test(host)) {
      bad.push(`${where}: site "${site}" is not a hostname, "*.suffix" or "*"`);
    }
  }
  problems.push(...bad);
  if (bad.length > 0) return null;
  return {
    provider: entry.provider as ProviderKind | "*",
    account: entry.account,
    // "*" among the sites is every site, as no sites at all is.
    sites: entry.sites === undefined || sites.includes("*") ? null : sites,
  };
}
