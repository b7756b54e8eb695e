import { createHash, timingSafeEqual } from "node:crypto";
import type { ApiKeyConfig } from "../config/config";
import { Access } from "./access";

/** Why a request was not let in; its message says what to send, never which keys exist. */
export type AuthenticationFailure = "missing" | "unknown";

export type Authentication =
  | { readonly ok: true; readonly access: Access }
  | { readonly ok: false; readonly failure: AuthenticationFailure };

/** Longer than any key worth issuing; a bigger header is refused without hashing it. */
const MAX_KEY_LENGTH = 512;
const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

interface KeyEntry {
  readonly digest: Buffer;
  readonly access: Access;
}

/**
 * The configured API keys, as SHA-256 digests only. A presented key is hashed and compared with every digest in
 * constant time, without stopping at a match: neither the comparison nor the number of comparisons depends on
 * how much of a stored digest the guess shares.
 */
export class ApiKeyTable {
  private readonly entries: readonly KeyEntry[];

  constructor(keys: readonly ApiKeyConfig[]) {
    this.entries = keys.map((k) => ({
      digest: Buffer.from(k.sha256, "hex"),
      access: new Access(k.name, k.allow, k.federation),
    }));
  }

  /** `authorization`: the request's header, as sent. */
  authenticate(authorization: string | undefined): Authentication {
    const key = authorization === undefined ? undefined : BEARER.exec(authorization.trim())?.[1];
    if (key === undefined) return { ok: false, failure: "missing" };
    if (key.length > MAX_KEY_LENGTH) return { ok: false, failure: "unknown" };
    const digest = createHash("sha256").update(key, "utf8").digest();
    let found: Access | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest) && found === null) found = entry.access;
    }
    return found ? { ok: true, access: found } : { ok: false, failure: "unknown" };
  }
}

/** The hex SHA-256 of a key, as the keys file stores it. */
export function apiKeyDigest(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}
