import { createHmac, timingSafeEqual } from "node:crypto";
import { InvalidCursorError } from "../errors/app-error";

/** Bytes of HMAC-SHA256 a cursor keeps: 128 bits, 22 base64url characters. */
export const MAC_BYTES = 16;

/** The MAC of `signed` (a cursor's version and body) under `secret`, base64url. */
export function cursorMac(secret: Buffer, signed: string): string {
  return createHmac("sha256", secret).update(signed).digest().subarray(0, MAC_BYTES).toString("base64url");
}

/**
 * Refuses a cursor whose MAC is not, character for character, `expected`. The text is compared, not its
 * decoding: base64url decoding skips stray characters, padding and spare bits, so many strings would decode to
 * the one signature and a changed cursor would still be accepted. Constant time.
 */
export function checkCursorMac(expected: string, given: string): void {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given, "utf8");
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new InvalidCursorError("its signature does not match (tampered with, or issued by another server)");
  }
}

/** A cursor body's JSON (base64url), unchecked; INVALID_CURSOR where it is not JSON. */
export function parseCursorBody(body: string): unknown {
  try {
    return JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursorError("it is garbled");
  }
}
