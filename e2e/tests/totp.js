// Time-based one-time passwords (RFC 6238) for the browser tests: what an
// authenticator app computes from the setup key Sensate shows. HMAC-SHA1,
// 6 digits, 30-second steps, as Sensate uses them.

import crypto from 'node:crypto';

export const PERIOD_SECONDS = 30;

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes RFC 4648 base32 (case-insensitive; spaces and `=` padding ignored). */
export function base32Decode(text) {
  const symbols = text.replace(/[\s=]/g, '').toUpperCase();
  const bytes = [];
  let buffer = 0;
  let bits = 0;
  for (const symbol of symbols) {
    const value = BASE32_ALPHABET.indexOf(symbol);
    if (value < 0) throw new Error(`not a base32 setup key: ${JSON.stringify(text)}`);
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
    buffer &= (1 << bits) - 1;
  }
  return Buffer.from(bytes);
}

/** The time step of a moment: whole 30-second periods since 1970. */
export function stepAt(ms = Date.now()) {
  return Math.floor(ms / 1000 / PERIOD_SECONDS);
}

/** Milliseconds from `ms` until the next time step begins. */
export function msUntilNextStep(ms = Date.now()) {
  return (stepAt(ms) + 1) * PERIOD_SECONDS * 1000 - ms;
}

/** The 6-digit code of a base32 secret for one time step (RFC 4226 HOTP). */
export function totp(secretBase32, step = stepAt()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = crypto.createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

/**
 * A code that is certainly wrong right now: "000000" unless that happens to
 * be the code of a step the server would accept (it allows one step either
 * side of the current one), then the next number that is not.
 */
export function wrongCode(secretBase32, step = stepAt()) {
  const near = new Set([-2, -1, 0, 1, 2].map((d) => totp(secretBase32, step + d)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!near.has(candidate)) return candidate;
  }
}
