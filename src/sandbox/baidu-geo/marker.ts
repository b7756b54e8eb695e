import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * The listing marker: opaque to clients, but it carries the last record returned (createdAt, id), the window
 * it was issued for, and a hash of the site/startTime/endTime parameters, because Baidu requires the time
 * parameters of a marker call to equal the previous call's. Keying on the last record rather than an offset
 * keeps the continuation right even when a page boundary falls inside a run of equal createdAt.
 */
export interface MarkerState {
  readonly lastCreatedAtMs: number;
  readonly lastId: string;
  /** The resolved window of the first call, so defaulted times (endTime = now) do not drift between pages. */
  readonly windowStartMs: number;
  readonly windowEndMs: number;
}

/** The query parameters a marker is bound to, as sent (an omitted time is the empty string). */
export interface MarkerBinding {
  readonly site: string;
  readonly startTime: string;
  readonly endTime: string;
}

export type MarkerDecodeResult =
  | { readonly ok: true; readonly state: MarkerState }
  | { readonly ok: false; readonly reason: "malformed" | "mismatch" };

const VERSION = "1";
const ID = /^[0-9a-f]{32}$/;
const INTEGER = /^(0|[1-9]\d{0,15})$/;

function bindingHash(binding: MarkerBinding): string {
  return createHash("sha256")
    .update([binding.site, binding.startTime, binding.endTime].join("\n"), "utf8")
    .digest("hex")
    .slice(0, 16);
}

export class MarkerCodec {
  /** The key only protects against garbled or hand-edited markers; it is not a secret. */
  constructor(private readonly key: string) {}

  private tag(body: string): string {
    return createHmac("sha256", this.key).update(body, "utf8").digest("hex").slice(0, 32);
  }

  encode(state: MarkerState, binding: MarkerBinding): string {
    const body = [
      VERSION,
      String(state.lastCreatedAtMs),
      state.lastId,
      String(state.windowStartMs),
      String(state.windowEndMs),
      bindingHash(binding),
    ].join(".");
    return Buffer.from(`${body}.${this.tag(body)}`, "utf8").toString("base64url");
  }

  decode(marker: string, binding: MarkerBinding): MarkerDecodeResult {
    const malformed = { ok: false, reason: "malformed" } as const;
    if (!/^[A-Za-z0-9_-]+$/.test(marker)) return malformed;
    const parts = Buffer.from(marker, "base64url").toString("utf8").split(".");
    if (parts.length !== 7) return malformed;
    const [version, createdAt, lastId, start, end, hash, tag] = parts as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const body = parts.slice(0, 6).join(".");
    const expectedTag = this.tag(body);
    if (tag.length !== expectedTag.length || !timingSafeEqual(Buffer.from(tag), Buffer.from(expectedTag))) {
      return malformed;
    }
    if (version !== VERSION || !ID.test(lastId) || ![createdAt, start, end].every((n) => INTEGER.test(n))) {
      return malformed;
    }
    if (hash !== bindingHash(binding)) return { ok: false, reason: "mismatch" };
    return {
      ok: true,
      state: {
        lastCreatedAtMs: Number(createdAt),
        lastId,
        windowStartMs: Number(start),
        windowEndMs: Number(end),
      },
    };
  }
}
